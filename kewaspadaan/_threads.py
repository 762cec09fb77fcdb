"""Thread caps for the numeric libraries, so that nothing oversubscribes the cores.

scikit-learn's gradient boosting (OpenMP), BLAS (OpenBLAS/MKL through numpy and scipy) and numba
each start as many threads as there are cores. The models fitted here are small, so their threads
mostly wait on each other, and several pools at once oversubscribe a 2-core machine (a score run
took 236 s with default threads, 40 s with one). :func:`thread_limits` caps all of them at
``settings.threads`` for the duration of a block, through :mod:`threadpoolctl`; the engine's
entry points (:func:`kewaspadaan.scoring.score`, :func:`kewaspadaan.pipeline.run`, every CLI
command) run inside it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from kewaspadaan import settings

__all__ = ["capped", "kernel_threads", "thread_limits"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def thread_limits(threads: int | None = None) -> Iterator[int]:
    """Cap BLAS, OpenMP and numba threads at ``threads`` inside the block.

    Parameters
    ----------
    threads : int, optional
        Threads per library (default ``settings.threads``); at least 1.

    Yields
    ------
    int
        The cap applied.
    """
    from threadpoolctl import threadpool_limits

    n = max(1, int(settings.threads if threads is None else threads))
    with _numba_threads(n), threadpool_limits(limits=n):
        yield n


@contextmanager
def _numba_threads(n: int) -> Iterator[int]:
    """numba's thread count set to ``n`` (at most ``NUMBA_NUM_THREADS``) inside the block, the
    previous count restored after it; yields the count set."""
    import numba

    before = numba.get_num_threads()
    applied = min(n, int(numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    numba.set_num_threads(applied)
    try:
        yield applied
    finally:
        numba.set_num_threads(before)


@contextmanager
def kernel_threads(threads: int | None = None) -> Iterator[int]:
    """numba threads for a parallel compiled kernel that runs alone (``settings.kernel_threads``,
    default every core), restored after the block; BLAS and OpenMP stay capped.

    Yields
    ------
    int
        The numba threads used.
    """
    import os

    want = threads if threads is not None else settings.kernel_threads
    # the cores this process may run on (affinity), not every core of the host
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with _numba_threads(max(1, int(want if want is not None else (cores or 1)))) as n:
        yield n


def capped(func: F) -> F:
    """Decorator: run ``func`` inside :func:`thread_limits` (the engine's entry points)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with thread_limits():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
