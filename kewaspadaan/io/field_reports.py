"""Field reports as Kesbangpol, FKDM and Babinsa/Bhabinkamtibmas keep them → the incident schema.

A field report is a row of a spreadsheet (XLSX/ODS) or CSV: a date, a desa/kecamatan **name or
code** but no coordinates, a type of event in Indonesian, a narrative, a source and a reliability
grade (Admiralty code: source reliability A–F, information credibility 1–6, e.g. ``B2``).
:func:`load_field_reports` places each row by its Kemendagri code, else by its normalised name
within the named kabupaten (and kecamatan, for a desa), fuzzily if need be, with the rule and
score recorded in ``location``; an unknown or ambiguous name is a rejection listing the
candidates (:class:`kewaspadaan.io.places.Gazetteer`). The point of a placed report is the
representative point of its unit; ``place_code`` holds the code, and assignment uses the code,
not the point (rule ``kode`` of :mod:`kewaspadaan.io.assign`).

Event types are mapped to ACLED's by keywords (:data:`EVENT_KEYWORDS`: *unjuk rasa* →
Protests, *bentrok* → Riots, *intimidasi* → Violence against civilians, ...) so that a report
of an event also in ACLED can be merged with it (:func:`kewaspadaan.io.assign.merge_duplicates`);
the original wording stays in ``sub_event_type``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kewaspadaan._errors import MissingColumnError
from kewaspadaan.crs import MAP_CRS
from kewaspadaan.io._common import check_file, missing_columns_error, rename_columns
from kewaspadaan.io.boundaries import normalise_code
from kewaspadaan.io.incidents import (
    IncidentLoad,
    RowReasons,
    _as_date,
    _validate_dates,
    _validate_int,
)
from kewaspadaan.io.places import Gazetteer
from kewaspadaan.io.tables import read_table
from kewaspadaan.schema import INCIDENT_COLUMNS, REJECTION_COLUMNS

__all__ = ["EVENT_KEYWORDS", "FIELD_REPORT_ALIASES", "load_field_reports", "parse_reliability"]

logger = logging.getLogger(__name__)

#: Accepted column names (case-insensitive, first match wins).
FIELD_REPORT_ALIASES: dict[str, tuple[str, ...]] = {
    "event_date": ("tanggal", "tgl", "date", "tanggal_kejadian", "waktu", "hari_tanggal"),
    "event_id": ("no_laporan", "nomor_laporan", "id", "no", "nomor"),
    "place_code": (
        "kode_desa",
        "kode_kelurahan",
        "kode_wilayah",
        "kode_kemendagri",
        "kode_kec",
        "kode_kecamatan",
        "kode",
    ),
    "desa": ("desa", "kelurahan", "desa_kelurahan", "nama_desa", "desa_kel", "kel_desa"),
    "kecamatan": ("kecamatan", "nama_kecamatan", "kec"),
    "kabupaten": ("kabupaten", "kab_kota", "kabupaten_kota", "kota", "nama_kabupaten", "kab"),
    "event_type": (
        "jenis",
        "jenis_kejadian",
        "kategori",
        "jenis_gangguan",
        "bentuk_kejadian",
        "jenis_peristiwa",
    ),
    "notes": ("uraian", "keterangan", "kronologi", "isi", "deskripsi", "ringkasan", "isi_laporan"),
    "actor1": ("pelaku", "aktor", "pihak"),
    "fatalities": ("korban_jiwa", "meninggal", "korban_meninggal", "tewas"),
    "sumber": ("sumber", "sumber_informasi", "pelapor", "sumber_laporan"),
    "reliability": ("keandalan", "penilaian", "nilai", "kode_penilaian", "grade"),
}

#: Keywords (normalised, in order) → ACLED event type.
EVENT_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("baku tembak", "Battles"),
    ("kontak senjata", "Battles"),
    ("bom", "Explosions/Remote violence"),
    ("ledakan", "Explosions/Remote violence"),
    ("unjuk rasa", "Protests"),
    ("demonstrasi", "Protests"),
    ("demo", "Protests"),
    ("aksi massa", "Protests"),
    ("protes", "Protests"),
    ("mogok", "Protests"),
    ("kerusuhan", "Riots"),
    ("bentrok", "Riots"),
    ("tawuran", "Riots"),
    ("amuk", "Riots"),
    ("pengeroyokan", "Riots"),
    ("penganiayaan", "Violence against civilians"),
    ("intimidasi", "Violence against civilians"),
    ("kekerasan", "Violence against civilians"),
    ("pembunuhan", "Violence against civilians"),
    ("penculikan", "Violence against civilians"),
    ("teror", "Violence against civilians"),
    ("ancaman", "Violence against civilians"),
    ("perusakan", "Strategic developments"),
    ("pembakaran", "Strategic developments"),
    ("penangkapan", "Strategic developments"),
)
_GRADE_RE = re.compile(r"^\s*([A-Fa-f])?\s*[-/ ]?\s*([1-6])?\s*$")


def parse_reliability(value: str) -> str | None:
    """Normalise an Admiralty grade (``"b-2"`` → ``"B2"``); ``""`` stays ``""``; invalid → None.

    Examples
    --------
    >>> parse_reliability("b / 2"), parse_reliability("C"), parse_reliability("X9")
    ('B2', 'C', None)
    """
    text = str(value).strip()
    if not text:
        return ""
    m = _GRADE_RE.match(text)
    if m is None or not (m.group(1) or m.group(2)):
        return None
    return f"{(m.group(1) or '').upper()}{m.group(2) or ''}"


def _acled_type(jenis: str) -> str:
    text = re.sub(r"\s+", " ", str(jenis).lower())
    for key, acled in EVENT_KEYWORDS:
        if re.search(rf"\b{re.escape(key)}", text):
            return acled
    return str(jenis).strip()


def load_field_reports(
    path: str | Path,
    boundaries: Mapping[str, gpd.GeoDataFrame | None],
    *,
    today: dt.date | str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    min_score: float = 88.0,
) -> IncidentLoad:
    """Read and place field reports (see the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        XLSX/ODS/CSV with a date and a desa/kecamatan code or name (see
        :data:`FIELD_REPORT_ALIASES`).
    boundaries : mapping
        ``{"kabupaten": ..., "kecamatan": ..., "desa": ...}`` boundary layers (any present) of
        :func:`kewaspadaan.io.load_boundaries`; they are the gazetteer.
    today : date or str, optional
        Later dates are rejected (default today).
    date_format : str, optional
        ``strftime`` format of the dates (default: several tried, day first).
    encoding, sheet : optional
        As :func:`kewaspadaan.io.tables.read_table`.
    columns : mapping, optional
        Explicit ``{file_column: schema_column}`` mapping (schema columns are the keys of
        :data:`FIELD_REPORT_ALIASES`).
    min_score : float, default 88
        Lowest fuzzy name-match score accepted.

    Returns
    -------
    IncidentLoad
        ``kind="laporan"``; ``n_read == placed + rejected``.
    """
    p = check_file(path, "field report file")
    table = read_table(p, sheet=sheet, encoding=encoding, what="field report file")
    first_row = int(table.attrs.get("first_row", 1))
    names = list(table.columns)
    mapping = rename_columns(names, FIELD_REPORT_ALIASES, columns, p)
    found = set(mapping.values())
    if "event_date" not in found or not found & {"place_code", "desa", "kecamatan"}:
        need = (
            {"event_date": FIELD_REPORT_ALIASES["event_date"]} if "event_date" not in found else {}
        )
        if not found & {"place_code", "desa", "kecamatan"}:
            need["desa / kecamatan / kode"] = (
                *FIELD_REPORT_ALIASES["desa"],
                *FIELD_REPORT_ALIASES["kecamatan"],
            )
        raise missing_columns_error(
            p,
            need,
            names,
            hint="A field report needs its date and where it happened (a desa or kecamatan name, "
            'or a Kemendagri code); map other names with columns = {tanggal = "..."}.',
        )
    t = pd.DataFrame({target: table[col] for col, target in mapping.items()}, index=table.index)
    for col in FIELD_REPORT_ALIASES:
        if col not in t.columns:
            t[col] = ""
    t = t.astype(str).apply(lambda s: s.str.strip())
    layers = {k: v for k, v in boundaries.items() if v is not None}
    if not layers:
        raise MissingColumnError(
            f"{p}: field reports are placed by desa/kecamatan name or code, so the desa or "
            "kecamatan boundaries are needed; add [data.desa] or [data.kecamatan]."
        )
    gaz = Gazetteer(layers, min_score=min_score)
    n = len(t)
    reasons = RowReasons()

    def flag(mask: np.ndarray, make: Any) -> None:
        for i in np.flatnonzero(mask).tolist():
            reasons[i].append(make(i))

    dates = _validate_dates(
        t["event_date"], _as_date(today), date_format, flag, source=str(p), first_row=first_row
    )
    fatal = _validate_int(t, "fatalities", 0, None, flag)
    grades = [parse_reliability(v) for v in t["reliability"]]
    for i, g in enumerate(grades):
        if g is None:
            reasons[i].append(
                f"keandalan tidak valid: {t['reliability'].iloc[i]!r} (kode "
                "Admiralty A-F dan/atau 1-6, mis. B2)"
            )
    codes, where = _place_all(t, gaz, reasons)
    points = _unit_points(layers)
    ids = t["event_id"].where(t["event_id"] != "", [f"{p.stem}-{first_row + i}" for i in range(n)])
    bad = reasons.mask(n)
    rows = np.arange(first_row, first_row + n)
    rejected = pd.DataFrame(
        {
            "source_file": pd.Series([p.name] * int(bad.sum()), dtype="str"),
            "source_row": rows[bad].astype("int64"),
            "event_id": pd.Series(ids.to_numpy()[bad], dtype="str"),
            "reason": pd.Series(reasons.joined(), dtype="str"),
        }
    )[list(REJECTION_COLUMNS)]
    ok = ~bad
    geom = [points.get(c) for c, good in zip(codes, ok, strict=True) if good]
    notes = [
        f"{nt} [sumber: {src}]" if src else nt
        for nt, src in zip(t.loc[ok, "notes"], t.loc[ok, "sumber"], strict=True)
    ]
    good = pd.DataFrame(
        {
            "event_id": ids[ok].to_numpy(),
            "event_date": dates[ok].to_numpy(),
            "event_type": [
                _acled_type(j) if j else "Laporan lapangan" for j in t.loc[ok, "event_type"]
            ],
            "sub_event_type": t.loc[ok, "event_type"].replace("", None).to_numpy(),
            "actor1": t.loc[ok, "actor1"].replace("", None).to_numpy(),
            "actor2": None,
            "location": np.asarray(where, dtype=object)[ok],
            "fatalities": fatal[ok].to_numpy(),
            "geo_precision": [2 if len(c) > 8 else 3 for c in np.asarray(codes, dtype=object)[ok]],
            "notes": pd.Series(notes, dtype=object).replace("", None).to_numpy(),
            "source_file": p.name,
            "source_row": rows[ok].astype("int64"),
            "source_kind": "laporan",
            "reliability": [g for g, good in zip(grades, ok, strict=True) if good],
            "place_code": np.asarray(codes, dtype=object)[ok],
        }
    )
    for col in (
        "event_id",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "location",
        "notes",
        "source_file",
        "source_kind",
        "reliability",
        "place_code",
    ):
        good[col] = good[col].astype("str").where(good[col].notna(), None)
    gdf = gpd.GeoDataFrame(good, geometry=gpd.GeoSeries(geom, crs=MAP_CRS))[list(INCIDENT_COLUMNS)]
    gdf.attrs["source"] = p.name
    load = IncidentLoad(incidents=gdf, rejected=rejected, n_read=n, source=p.name, kind="laporan")
    load.check_accounting()
    logger.info("%s: %d field reports read, %d placed, %d rejected", p, n, len(gdf), len(rejected))
    return load


def _place_all(t: pd.DataFrame, gaz: Gazetteer, reasons: RowReasons) -> tuple[list[str], list[str]]:
    """Code and a description of how it was found, per row ("" where unplaced)."""
    codes, where = [], []
    for i, row in enumerate(t.itertuples(index=False)):
        code, how = _place_one(row, gaz)
        if code is None:
            reasons[i].append(how)
            codes.append("")
            where.append("")
        else:
            codes.append(code)
            where.append(how)
    return codes, where


def _place_one(row: object, gaz: Gazetteer) -> tuple[str | None, str]:
    raw_code = str(getattr(row, "place_code", ""))
    if raw_code:
        for level in ("desa", "kecamatan"):
            try:
                code = normalise_code(raw_code, level)
            except ValueError:
                continue
            if code in gaz.codes(level):
                return code, f"kode {code}"
        return None, f"kode lokasi {raw_code!r} tidak ada di batas desa/kecamatan"
    kab_name = str(getattr(row, "kabupaten", ""))
    kab = gaz.kabupaten_codes(kab_name) if kab_name else None
    if kab_name and not kab and gaz.has("kabupaten"):
        return None, f"kabupaten {kab_name!r} tidak dikenal"
    if kab is None and kab_name:
        kab = None
    kec_name, desa_name = str(getattr(row, "kecamatan", "")), str(getattr(row, "desa", ""))
    kec_codes = None
    kec_match = None
    if kec_name:
        kec_match = gaz.resolve(kec_name, "kecamatan", kode_kab=kab)
        if kec_match.code is None and not desa_name:
            return None, kec_match.reason
        kec_codes = [kec_match.code] if kec_match.code else None
    if desa_name and gaz.has("desa"):
        m = gaz.resolve(desa_name, "desa", kode_kab=kab, kode_kec=kec_codes)
        if m.code is None:
            return None, m.reason
        return m.code, f"desa {desa_name} → {m.code} ({m.rule} {m.score:.0f})"
    if kec_match is not None and kec_match.code is not None:
        return (
            kec_match.code,
            f"kecamatan {kec_name} → {kec_match.code} ({kec_match.rule} {kec_match.score:.0f})",
        )
    if desa_name:
        return None, "nama desa tanpa lapisan batas desa: tambahkan [data.desa] atau kecamatan"
    return None, "lokasi kosong: tidak ada kode, desa atau kecamatan"


def _unit_points(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, object]:
    """Representative point (EPSG:4326) of every desa and kecamatan, by code."""
    out: dict[str, object] = {}
    for level in ("kecamatan", "desa"):
        g = layers.get(level)
        if g is None:
            continue
        pts = g.to_crs(MAP_CRS).geometry.representative_point()
        out.update(dict(zip(g["kode"].astype(str), pts, strict=True)))
    return out
