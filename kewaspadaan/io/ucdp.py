"""UCDP GED exports (Uppsala Conflict Data Program, Georeferenced Event Dataset).

UCDP GED is openly licensed (CC BY 4.0) and covers Indonesia since 1989; HDX re-exports it as CSV
with an HXL hashtag row under the header (handled by :func:`kewaspadaan.io.tables.read_table`).
:func:`is_ucdp` recognises an export; :data:`UCDP_TO_SCHEMA` maps its columns to
:data:`kewaspadaan.schema.INCIDENT_COLUMNS`; :func:`normalise_ucdp` turns UCDP's codes into the
schema's values:

- ``type_of_violence`` 1 state-based / 2 non-state → ``event_type`` ``Battles``; 3 one-sided →
  ``Violence against civilians`` (ACLED's types, so UCDP events sit beside ACLED ones); the UCDP
  name is kept in ``sub_event_type``;
- ``where_prec`` (1 exact place, 2 within 25 km, 3 second-order admin unit, 4 first-order admin
  unit, 5 linear/area feature, 6 country, 7 international waters) → ``geo_precision`` 1, 2, 3,
  –, 3, –, –. Events located only at a province, the country or at sea cannot be placed in a
  kecamatan: they are rejected with that reason, never assigned to whatever polygon holds a
  centroid.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = [
    "UCDP_TO_SCHEMA",
    "UCDP_VIOLENCE_TYPES",
    "WHERE_PREC_TO_GEO",
    "is_ucdp",
    "normalise_ucdp",
]

#: UCDP column → schema column.
UCDP_TO_SCHEMA: dict[str, str] = {
    "id": "event_id",
    "date_start": "event_date",
    "type_of_violence": "event_type",
    "side_a": "actor1",
    "side_b": "actor2",
    "where_coordinates": "location",
    "latitude": "latitude",
    "longitude": "longitude",
    "where_prec": "geo_precision",
    "best": "fatalities",
    "source_headline": "notes",
}
#: ``type_of_violence`` → (ACLED event type, UCDP name kept as sub_event_type).
UCDP_VIOLENCE_TYPES: dict[str, tuple[str, str]] = {
    "1": ("Battles", "UCDP state-based conflict"),
    "2": ("Battles", "UCDP non-state conflict"),
    "3": ("Violence against civilians", "UCDP one-sided violence"),
}
#: ``where_prec`` → ``geo_precision`` (``None``: cannot be placed in a kecamatan).
WHERE_PREC_TO_GEO: dict[str, int | None] = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": None,
    "5": 3,
    "6": None,
    "7": None,
}


def is_ucdp(columns: Iterable[str]) -> bool:
    """True when ``columns`` hold UCDP GED's identifying columns.

    Examples
    --------
    >>> is_ucdp(["id", "date_start", "where_prec", "best", "type_of_violence", "latitude"])
    True
    >>> is_ucdp(["event_id_cnty", "event_date"])
    False
    """
    lower = {str(c).strip().lower() for c in columns}
    return {"date_start", "where_prec", "type_of_violence", "best"} <= lower


def normalise_ucdp(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Map UCDP codes in a table already renamed to schema columns.

    Returns
    -------
    (DataFrame, Series)
        The table with ``event_type``, ``sub_event_type`` and ``geo_precision`` in schema values,
        and a Series of rejection reasons ("" where the row is fine).
    """
    out = table.copy()
    code = out["event_type"].astype(str).str.strip() if "event_type" in out else None
    reasons = pd.Series("", index=out.index, dtype=object)
    if code is not None:
        known = code.isin(list(UCDP_VIOLENCE_TYPES))
        out["event_type"] = code.map(lambda c: UCDP_VIOLENCE_TYPES.get(c, ("", ""))[0])
        out["sub_event_type"] = code.map(lambda c: UCDP_VIOLENCE_TYPES.get(c, ("", ""))[1])
        reasons[~known] = [
            f"type_of_violence tidak dikenal: {c!r} (UCDP: 1, 2 atau 3)" for c in code[~known]
        ]
    if "geo_precision" in out:
        prec = out["geo_precision"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        geo = prec.map(WHERE_PREC_TO_GEO)
        unplaceable = prec.isin([k for k, v in WHERE_PREC_TO_GEO.items() if v is None])
        unknown = ~prec.isin(list(WHERE_PREC_TO_GEO)) & (prec != "")
        for i in out.index[unplaceable]:
            reasons[i] = _join(
                reasons[i],
                f"lokasi terlalu kasar: UCDP where_prec {prec[i]} "
                "(provinsi/negara/laut), tidak dapat ditempatkan di kecamatan",
            )
        for i in out.index[unknown]:
            reasons[i] = _join(reasons[i], f"where_prec tidak dikenal: {prec[i]!r} (UCDP 1-7)")
        out["geo_precision"] = [str(int(g)) if pd.notna(g) else "3" for g in geo]
    return out, reasons


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b
