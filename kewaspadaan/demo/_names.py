"""Indonesian-sounding place names for the demonstration province (generated, not real places).

Names are built from syllables in the style of Kalimantan Timur toponyms (Long ..., Muara ...,
Tanjung ..., Sungai ..., Loa ..., Batu ..., Tenggarong-like roots) and are unique per
:class:`NameGenerator` instance. Deterministic for a given generator state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["NameGenerator"]

_ONSETS = (
    "b",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "j",
    "g",
    "d",
    "h",
    "ng",
    "w",
    "s",
    "t",
    "b",
    "k",
    "l",
)
_VOWELS = ("a", "a", "a", "i", "u", "u", "e", "o", "ai", "au")
_CODAS = ("", "", "", "n", "ng", "k", "h", "r", "t", "m", "s", "l")
_PREFIXES = (
    "Long",
    "Muara",
    "Tanjung",
    "Sungai",
    "Loa",
    "Batu",
    "Tering",
    "Sebulu",
    "Lambing",
    "Rantau",
    "Teluk",
    "Gunung",
    "Tanah",
    "Lempake",
    "Bukit",
    "Tana",
    "Marang",
    "Kota",
)
_PREFIX_P = np.array([10, 10, 7, 5, 5, 4, 1, 1, 1, 3, 3, 2, 2, 1, 2, 1, 1, 0.5], dtype=float)
_SUFFIXES = ("Hulu", "Hilir", "Baru", "Lama", "Ilir", "Jaya", "Makmur", "Indah", "Raya", "Ulu")
_KAB_DIRS = ("Barat", "Timur", "Utara", "Selatan", "Tengah", "Hulu", "Pesisir")


class NameGenerator:
    """Unique syllable-based names.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def root(self, syllables: int | None = None) -> str:
        """A capitalised root word of 2-3 syllables (e.g. ``Tenggalau``)."""
        rng = self.rng
        n = syllables or int(rng.choice([2, 2, 2, 3]))
        parts = []
        for i in range(n):
            onset = _ONSETS[rng.integers(len(_ONSETS))]
            vowel = _VOWELS[rng.integers(len(_VOWELS))]
            coda = _CODAS[rng.integers(len(_CODAS))] if i == n - 1 or rng.random() < 0.3 else ""
            parts.append(onset + vowel + coda)
        word = "".join(parts)
        return word[0].upper() + word[1:]

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("name space exhausted")  # pragma: no cover

    def place(self, *, prefix_p: float = 0.45) -> str:
        """A settlement name, sometimes with a prefix (``Muara Kelawit``) or suffix."""
        rng = self.rng

        def make() -> str:
            name = self.root()
            if rng.random() < prefix_p:
                p = _PREFIX_P / _PREFIX_P.sum()
                name = f"{_PREFIXES[rng.choice(len(_PREFIXES), p=p)]} {name}"
            elif rng.random() < 0.12:
                name = f"{name} {_SUFFIXES[rng.integers(len(_SUFFIXES))]}"
            return name

        return self._unique(make)

    def kabupaten(self) -> str:
        """A kabupaten name such as ``Sembakau Barat`` (without "Kabupaten")."""
        rng = self.rng

        def make() -> str:
            name = self.root(int(rng.choice([2, 3])))
            if rng.random() < 0.5:
                name = f"{name} {_KAB_DIRS[rng.integers(len(_KAB_DIRS))]}"
            return name

        return self._unique(make)

    def river(self) -> str:
        """A river name such as ``Sungai Belayan`` (unique)."""
        return self._unique(lambda: f"Sungai {self.root()}")

    def reserve(self, name: str) -> str:
        """Mark ``name`` as used and return it."""
        self.used.add(name)
        return name
