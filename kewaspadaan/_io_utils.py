"""Atomic, deterministic writing of output files.

Every output of kewaspadaan is written to a temporary file in the destination folder and then
moved onto its final name with :func:`os.replace`, so a reader never sees a half-written file and
a crash leaves the previous version intact.

- :func:`atomic_write` — a file object (text or binary) that replaces ``path`` on success.
- :func:`atomic_path` — a temporary path (same folder, same suffix, so drivers such as GDAL pick
  the right format) that replaces ``path`` on success.
- :func:`write_table` — GeoDataFrame → ``.gpkg``/``.geojson``, DataFrame → ``.csv``, atomically
  and byte-for-byte reproducibly (same input → same bytes); a CSV text cell that a spreadsheet
  would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written with a leading
  ``'`` (OWASP CSV injection);
- :func:`probe_output_dir` — fail before minutes of work when the output folder cannot be
  written (read-only, full, a file in the way);
- :func:`staged_output` — a run written into a staging folder and switched in whole, under a
  lock, so a killed run leaves the previous outputs complete and two runs never interleave.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = [
    "CSV_FLOAT_FORMAT",
    "OutputDirError",
    "atomic_path",
    "atomic_write",
    "neutralise_formulas",
    "probe_output_dir",
    "staged_output",
    "write_staged",
    "write_table",
]

logger = logging.getLogger(__name__)

#: ``printf`` format of floats in CSV outputs: 12 significant digits, stable across platforms.
CSV_FLOAT_FORMAT = "%.12g"
#: Decimal places of coordinates in GeoJSON outputs (1e-7 degree is about 1 cm).
GEOJSON_COORDINATE_PRECISION = 7
#: Fixed timestamp written into GeoPackage metadata so identical input gives identical bytes.
_GPKG_FIXED_DATE = "2000-01-01T00:00:00Z"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _temp_sibling(path: Path) -> Path:
    """Reserve a unique temporary file name next to ``path`` keeping its suffix."""
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    return Path(tmp)


def _remove_quietly(tmp: Path) -> None:
    for candidate in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the folder of ``path``; move it onto ``path`` on success.

    The temporary file exists (empty) when yielded; writers may overwrite or delete-and-recreate
    it. On an exception it is removed and ``path`` is left untouched. The parent folder is created
    when missing.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination.

    Yields
    ------
    pathlib.Path
        Temporary path with the same suffix as ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("halo")
    >>> out.read_text()
    'halo'
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(final)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(
                f"{tmp}: the writer removed the temporary file of {final} without writing a new one"
            )
        # mkstemp creates 0600 files; give the output the permissions a normal write would.
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, final)
    except BaseException:
        _remove_quietly(tmp)
        raise
    finally:
        # GDAL side files (SQLite journals) never belong to the final output.
        for side in ("-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{tmp}{side}").unlink()


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    mode: str = "w",
    encoding: str | None = "utf-8",
    **open_kwargs: Any,
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; on success it replaces ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination.
    mode : {"w", "wb"}
        Text or binary mode.
    encoding : str, optional
        Text encoding (ignored in binary mode). Default UTF-8.
    **open_kwargs
        Passed to :func:`open` (e.g. ``newline=""`` for CSV).

    Yields
    ------
    file object
        Write to it; it is flushed, fsynced and closed before the replace.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> with atomic_write(out) as fh:
    ...     _ = fh.write("selamat")
    >>> out.read_text()
    'selamat'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', not {mode!r}")
    with atomic_path(path) as tmp:
        if "b" in mode:
            fh = open(tmp, mode, **open_kwargs)
        else:
            fh = open(tmp, mode, encoding=encoding, **open_kwargs)
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()


#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text cells starting with a formula character get a leading ``'`` (numbers untouched).

    Examples
    --------
    >>> neutralise_formulas(pd.Series(["=HYPERLINK(1)", "Samarinda", "-"])).tolist()
    ["'=HYPERLINK(1)", 'Samarinda', "'-"]
    """
    text = values.astype("object")
    is_text = text.map(lambda v: isinstance(v, str))
    risky = is_text & text.where(is_text, "").str.startswith(FORMULA_PREFIXES)
    if not risky.any():
        return values
    out = text.copy()
    out[risky] = "'" + text[risky].astype(str)
    return out


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Geometry columns become WKT so a CSV never holds Python reprs; formulas are neutralised."""
    import geopandas as gpd

    geo_cols = [c for c in df.columns if isinstance(df[c].dtype, gpd.array.GeometryDtype)]
    text_cols = [
        c
        for c in df.columns
        if c not in geo_cols
        and (pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]))
    ]
    if not geo_cols and not text_cols:
        return df
    out = pd.DataFrame(df).copy()
    for col in geo_cols:
        out[col] = gpd.GeoSeries(df[col]).to_wkt(rounding_precision=7, trim=True)
    for col in text_cols:
        out[col] = neutralise_formulas(out[col])
    return out


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], *, layer: str | None = None, index: bool = False
) -> Path:
    """Write a table atomically and reproducibly, choosing the format by the suffix.

    - ``.csv``: any DataFrame (geometry columns written as WKT), UTF-8, ``\\n`` line ends, floats
      with :data:`CSV_FLOAT_FORMAT`.
    - ``.geojson``: a GeoDataFrame, reprojected to EPSG:4326 as RFC 7946 requires, coordinates
      rounded to 7 decimals.
    - ``.gpkg``: a GeoDataFrame in its own CRS, in ``layer`` (default: the file stem), metadata
      timestamps fixed so identical input gives identical bytes.

    Columns and rows are written in the order given.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The table. Vector formats need a GeoDataFrame with a CRS.
    path : str or os.PathLike
        Destination; its suffix picks the format.
    layer : str, optional
        GeoPackage layer name.
    index : bool, default False
        Write the index as a column (CSV only).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import geopandas as gpd

    from kewaspadaan._errors import CRSError, DataFileError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = _csv_ready(df)
        with atomic_write(path, "w", newline="") as fh:
            data.to_csv(fh, index=index, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
        return path
    if suffix not in (".gpkg", ".geojson", ".json"):
        raise DataFileError(
            f"{path}: unknown output format {suffix!r}; use .csv, .gpkg or .geojson"
        )
    if not isinstance(df, gpd.GeoDataFrame):
        raise DataFileError(f"{path}: {suffix} needs a GeoDataFrame; write a plain table as .csv")
    if df.crs is None:
        raise CRSError(
            f"{path}: the GeoDataFrame has no CRS; set it (gdf.set_crs(...)) before writing"
        )
    if suffix == ".gpkg":
        _write_gpkg(df, path, layer or path.stem)
    else:
        _write_geojson(df, path)
    logger.debug("wrote %d rows to %s", len(df), path)
    return path


def _write_gpkg(gdf: Any, path: Path, layer: str) -> None:
    import pyogrio

    with atomic_path(path) as tmp:
        tmp.unlink()  # GDAL refuses to create a GeoPackage over an empty (non-SQLite) file
        with _gdal_config(OGR_CURRENT_DATE=_GPKG_FIXED_DATE):
            pyogrio.write_dataframe(gdf, tmp, layer=layer, driver="GPKG")


def _write_geojson(gdf: Any, path: Path) -> None:
    import pyogrio

    from kewaspadaan.crs import MAP_CRS

    out = gdf if gdf.crs.equals(MAP_CRS) else gdf.to_crs(MAP_CRS)
    with atomic_path(path) as tmp:
        tmp.unlink()
        pyogrio.write_dataframe(
            out,
            tmp,
            driver="GeoJSON",
            layer=path.stem,
            layer_options={
                "RFC7946": "YES",
                "COORDINATE_PRECISION": str(GEOJSON_COORDINATE_PRECISION),
                "WRITE_BBOX": "NO",
            },
        )


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    """Temporarily set GDAL configuration options (restored afterwards)."""
    import pyogrio

    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


class OutputDirError(PermissionError):
    """The output folder cannot take the outputs; the message names it and the fix."""


#: Free space (bytes) below which an output folder is refused before the work starts.
MIN_FREE_BYTES = 50 * 1024 * 1024


def probe_output_dir(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` can take the outputs (created when missing); return it.

    Raises :class:`OutputDirError` when it is a file, cannot be created, is not writable, or
    has less than :data:`MIN_FREE_BYTES` free.
    """
    import shutil

    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out}: the output folder is a file; give a folder with --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".kewaspadaan-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputDirError(
            f"{out}: cannot write into the output folder ({exc.strerror or exc}); choose "
            "another with --out, or fix its permissions"
        ) from exc
    free = shutil.disk_usage(out).free
    if free < MIN_FREE_BYTES:
        raise OutputDirError(
            f"{out}: only {free / 1e6:.0f} MB free on its disk; a run needs about "
            f"{MIN_FREE_BYTES / 1e6:.0f} MB. Free some space or choose another folder (--out)."
        )
    return out


_LOCK_NAME = ".kewaspadaan.lock"
_STAGING_PREFIX = ".staging-"


@contextlib.contextmanager
def staged_output(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a staging folder inside ``out_dir``; on success move its files into ``out_dir``.

    An exclusive lock (``.kewaspadaan.lock``) keeps a second run from writing into the same
    folder at the same time (it fails at once, naming the running process). On an exception or
    a kill the staging folder is dropped (a stale one is removed by the next run) and the
    previous outputs stay as they were. The switch moves each file with :func:`os.replace`
    (atomic per file); ``ringkasan.json`` is moved last, so its presence marks a complete set.
    """
    import fcntl
    import shutil

    out = probe_output_dir(out_dir)
    lock_path = out / _LOCK_NAME
    with lock_path.open("a+") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.seek(0)
            owner = lock.read().strip() or "?"
            raise OutputDirError(
                f"{out}: another kewaspadaan run (pid {owner}) is writing into this folder; "
                "wait for it to finish or choose another folder with --out"
            ) from exc
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        for stale in out.glob(f"{_STAGING_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed run
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out))
        try:
            yield staging
            files = sorted(
                (p for p in staging.rglob("*") if p.is_file()),
                key=lambda p: (p.name == "ringkasan.json", str(p)),
            )
            for f in files:
                target = out / f.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            lock.seek(0)
            lock.truncate()


def write_staged(out_dir: str | os.PathLike[str], writer: Any) -> dict[str, Path]:
    """Run ``writer(folder) -> {name: path}`` inside :func:`staged_output` of ``out_dir`` and
    return the paths as they are after the switch (in ``out_dir``)."""
    out = Path(out_dir)
    with staged_output(out) as stage:
        written = writer(stage)
        final = {k: out / Path(v).relative_to(stage) for k, v in written.items()}
    return final
