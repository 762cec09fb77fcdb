"""Place names → Kemendagri codes: the gazetteer of the boundaries, normalised names and a
recorded fuzzy match.

Field reports, population tables and TPS lists often name a desa or kecamatan instead of giving
its code, and spell it their own way ("Kec. Long Apari", "LONG APARI", "Longapari"). A
:class:`Gazetteer` built from the boundary layers resolves them:

1. **code** — a Kemendagri code (dots optional) that exists at the level: taken as is;
2. **exact** — the normalised name (:func:`normalise_name`: lower case, no accents, no prefix
   such as *Kecamatan*, *Kec.*, *Desa*, *Kelurahan*, *Kab.*, no punctuation) matches exactly one
   unit within the given scope (the named kabupaten and/or kecamatan);
3. **fuzzy** — else the best :func:`rapidfuzz.fuzz.WRatio` match within the scope, taken only when
   it scores at least ``min_score`` and beats the runner-up by ``margin``; the score is recorded;
4. otherwise **no match**: the reason lists the candidates with their scores (an ambiguous name
   — two desa of the same name in one kabupaten — lists both, with their kecamatan).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Gazetteer", "PlaceMatch", "normalise_name"]

_PREFIXES = (
    "kabupaten",
    "kab",
    "kota administrasi",
    "kota",
    "kecamatan",
    "kec",
    "distrik",
    "desa",
    "kelurahan",
    "kel",
    "kampung",
    "nagari",
    "gampong",
)
_PREFIX_RE = re.compile(r"^(?:" + "|".join(re.escape(p) for p in _PREFIXES) + r")\b\.?\s*")


def normalise_name(name: Any, *, keep_kota: bool = False) -> str:
    """Lower case, accents and punctuation removed, administrative prefix dropped.

    Parameters
    ----------
    name : str
        A place name as written.
    keep_kota : bool, default False
        Keep a leading "kota" (Kota Bogor vs Kabupaten Bogor are two units).

    Examples
    --------
    >>> normalise_name("Kec. Long  Apari")
    'long apari'
    >>> normalise_name("KABUPATEN KUTAI KARTANEGARA")
    'kutai kartanegara'
    >>> normalise_name("Kota Samarinda", keep_kota=True)
    'kota samarinda'
    """
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"\s+", " ", text.lower().replace("_", " ")).strip()
    kota = text.startswith("kota ") and keep_kota
    for _ in range(2):  # "Kab. Kota ..." is rare but seen
        text = _PREFIX_RE.sub("", text).strip()
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return f"kota {text}" if kota else text


@dataclass(frozen=True)
class PlaceMatch:
    """One resolved (or unresolved) place.

    Attributes
    ----------
    code : str or None
        Kemendagri code found, ``None`` when unresolved.
    level : str
        ``desa``, ``kecamatan`` or ``kabupaten``.
    rule : str
        ``code``, ``exact``, ``fuzzy`` or ``none``.
    score : float
        100 for code/exact, the WRatio score for fuzzy, best candidate's score for none.
    reason : str
        Why it is unresolved, with the candidates ("" when resolved).
    """

    code: str | None
    level: str
    rule: str
    score: float
    reason: str = ""


class Gazetteer:
    """Units of the boundary layers by level, for :meth:`resolve`.

    Parameters
    ----------
    units : mapping
        ``{level: DataFrame}`` for any of ``kabupaten``, ``kecamatan``, ``desa``, each with
        ``kode`` and ``nama`` (desa also ``kode_kec``; all but kabupaten ``kode_kab``), as
        produced by :func:`kewaspadaan.io.load_boundaries`.
    min_score : float, default 88
        Lowest fuzzy score accepted (0–100).
    margin : float, default 4
        Points the best fuzzy candidate must lead the second by.
    """

    def __init__(
        self, units: dict[str, pd.DataFrame], *, min_score: float = 88.0, margin: float = 4.0
    ) -> None:
        self.min_score = float(min_score)
        self.margin = float(margin)
        self.tables: dict[str, pd.DataFrame] = {}
        for level, df in units.items():
            if df is None:
                continue
            t = pd.DataFrame(
                {
                    "kode": df["kode"].astype(str).to_numpy(),
                    "nama": df["nama"].astype(str).to_numpy(),
                }
            )
            t["norm"] = [normalise_name(n) for n in t["nama"]]
            t["kode_kab"] = t["kode"].str.slice(0, 5)
            t["kode_kec"] = t["kode"].str.slice(0, 8)
            self.tables[level] = t
        self._kab_names: dict[str, list[str]] = {}
        pairs: list[tuple[str, str]] = []
        kab = self.tables.get("kabupaten")
        if kab is not None:
            pairs = list(zip(kab["kode"], kab["nama"], strict=True))
        else:  # kabupaten names carried by the kecamatan/desa layers
            for df in units.values():
                if df is not None and {"kode_kab", "nama_kab"} <= set(df.columns):
                    sub = df[["kode_kab", "nama_kab"]].dropna().drop_duplicates()
                    pairs += list(
                        zip(sub["kode_kab"].astype(str), sub["nama_kab"].astype(str), strict=True)
                    )
        for code, name in dict.fromkeys(pairs):
            self._kab_names.setdefault(normalise_name(name), []).append(code)
            self._kab_names.setdefault(normalise_name(name, keep_kota=True), []).append(code)
        self._has_kab_names = bool(pairs)

    def has(self, level: str) -> bool:
        """True when the gazetteer holds units of ``level`` (kabupaten: or their names)."""
        return level in self.tables or (level == "kabupaten" and self._has_kab_names)

    def codes(self, level: str) -> set[str]:
        """Every code of ``level``."""
        return set(self.tables[level]["kode"]) if level in self.tables else set()

    def kabupaten_codes(self, name: str) -> list[str]:
        """Codes of the kabupaten/kota called ``name`` (normalised; "Kota X" is told from "X")."""
        if not name:
            return []
        exact = self._kab_names.get(normalise_name(name, keep_kota=True))
        if exact:
            return sorted(set(exact))
        return sorted(set(self._kab_names.get(normalise_name(name), [])))

    def resolve(
        self,
        name: str,
        level: str,
        *,
        kode_kab: list[str] | None = None,
        kode_kec: list[str] | None = None,
    ) -> PlaceMatch:
        """Resolve one name at ``level`` within the scope (rules in the module docstring)."""
        t = self.tables.get(level)
        if t is None:
            return PlaceMatch(None, level, "none", 0.0, f"tidak ada lapisan batas {level}")
        target = normalise_name(name)
        if not target:
            return PlaceMatch(None, level, "none", 0.0, f"nama {level} kosong")
        scope = t
        if kode_kab:
            scope = scope[scope["kode_kab"].isin(kode_kab)]
        if kode_kec and level == "desa":
            scope = scope[scope["kode_kec"].isin(kode_kec)]
        exact = scope[scope["norm"] == target]
        if len(exact) == 1:
            return PlaceMatch(str(exact["kode"].iloc[0]), level, "exact", 100.0)
        if len(exact) > 1:
            listed = ", ".join(
                f"{k} {n}" for k, n in zip(exact["kode"], exact["nama"], strict=True)
            )
            return PlaceMatch(
                None,
                level,
                "none",
                100.0,
                f"nama {level} {name!r} ambigu: {len(exact)} kandidat ({listed}); beri kode "
                "atau nama kecamatan/kabupaten",
            )
        return self._fuzzy(name, target, scope, level)

    def _fuzzy(self, name: str, target: str, scope: pd.DataFrame, level: str) -> PlaceMatch:
        from rapidfuzz import fuzz, process

        if len(scope) == 0:
            return PlaceMatch(None, level, "none", 0.0, f"tidak ada {level} dalam cakupan")
        found = process.extract(target, scope["norm"].tolist(), scorer=fuzz.WRatio, limit=3)
        best = found[0]
        second = found[1][1] if len(found) > 1 else 0.0
        if best[1] >= self.min_score and best[1] - second >= self.margin:
            return PlaceMatch(str(scope["kode"].iloc[best[2]]), level, "fuzzy", round(best[1], 1))
        listed = ", ".join(
            f"{scope['kode'].iloc[i]} {scope['nama'].iloc[i]} ({s:.0f})" for _, s, i in found
        )
        return PlaceMatch(
            None,
            level,
            "none",
            round(best[1], 1),
            f"nama {level} {name!r} tidak ditemukan pasti; kandidat: {listed}; perbaiki nama "
            "atau beri kode Kemendagri",
        )
