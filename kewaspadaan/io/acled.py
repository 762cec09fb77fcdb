"""ACLED export specifics: column names, required columns, event types, date formats.

ACLED (Armed Conflict Location & Event Data) exports are CSV files users download themselves
(https://acleddata.com). kewaspadaan reads them as they come; :func:`is_acled` recognises one and
:data:`ACLED_TO_SCHEMA` maps its columns to :data:`kewaspadaan.schema.INCIDENT_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_DATE_FORMATS",
    "ACLED_EVENT_TYPES",
    "ACLED_REQUIRED",
    "ACLED_TO_SCHEMA",
    "is_acled",
]

#: Columns of an ACLED export (data export tool / API, 2023 onwards), in export order.
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

#: Columns without which an ACLED file cannot be used.
ACLED_REQUIRED: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "latitude",
    "longitude",
    "fatalities",
)

#: ACLED column → schema column (others are dropped from the normalised table).
ACLED_TO_SCHEMA: dict[str, str] = {
    "event_id_cnty": "event_id",
    "event_date": "event_date",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "actor1": "actor1",
    "actor2": "actor2",
    "location": "location",
    "latitude": "latitude",
    "longitude": "longitude",
    "geo_precision": "geo_precision",
    "fatalities": "fatalities",
    "notes": "notes",
}

#: The six ACLED event types (others are kept but logged).
ACLED_EVENT_TYPES: tuple[str, ...] = (
    "Battles",
    "Violence against civilians",
    "Explosions/Remote violence",
    "Riots",
    "Protests",
    "Strategic developments",
)

#: Date formats seen in ACLED exports: ISO (data export tool) and "15 January 2024" (older
#: exports and spreadsheets re-saved by users).
ACLED_DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")


def is_acled(columns: Iterable[str]) -> bool:
    """True when ``columns`` hold ACLED's identifying columns (``event_id_cnty``, ...).

    Examples
    --------
    >>> is_acled(["event_id_cnty", "event_date", "latitude", "longitude"])
    True
    >>> is_acled(["id", "tanggal", "lat", "lon"])
    False
    """
    lower = {str(c).strip().lower() for c in columns}
    return "event_id_cnty" in lower or {"event_date", "sub_event_type", "geo_precision"} <= lower
