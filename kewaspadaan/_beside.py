"""Run one piece of work beside another on the second core.

The stages that overlap in a run (the logistics beside the risk score, the print map beside the
interactive one) are mostly Python, so two threads would share one interpreter lock. Where the
platform forks (Linux) and no dask cluster runs, :func:`beside` runs the side work in a forked
child, which starts from everything already in memory, and gets its result back pickled through
a pipe; elsewhere it uses a second thread. Either way the results are the same objects as if
both ran one after the other.

- an error in the side work is raised here, after the main work, as itself (the engine's errors
  pickle with their fields);
- a child that dies without an answer (killed, out of memory) is reported in the log and the
  side work is done here instead: nothing is lost, only the time;
- an error in the main work kills the child and is raised.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from kewaspadaan import settings

__all__ = ["beside", "can_fork"]

logger = logging.getLogger(__name__)

S = TypeVar("S")
M = TypeVar("M")


def can_fork() -> bool:
    """True where :func:`beside` forks: the platform has ``fork`` and no dask cluster runs."""
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods() and settings.backend != "dask"


def beside(
    side: Callable[[], S], main: Callable[[], M], *, name: str, fork: bool = True
) -> tuple[M, S]:
    """``main()`` here while ``side()`` runs in a forked child (or a second thread).

    Parameters
    ----------
    side : callable
        The work done beside; its result must pickle when it runs in a child.
    main : callable
        The work done here.
    name : str
        Name of the child process or thread (in logs and ``ps``).
    fork : bool, default True
        False: always a second thread (work whose heavy parts release the GIL, and whose
        result is too large to send back cheaply).

    Returns
    -------
    tuple
        ``(main(), side())``.
    """
    if fork and can_fork():
        return _in_child(side, main, name)
    return _in_thread(side, main, name)


def _in_child(side: Callable[[], S], main: Callable[[], M], name: str) -> tuple[M, S]:
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:  # runs in the forked process: nothing of it needs pickling in
        try:
            message: tuple[str, Any] = ("ok", side())
        except BaseException as exc:  # sent back and raised in the parent
            message = ("error", exc)
        try:
            send.send(message)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            send.send(("error", RuntimeError(f"{name}: {message[1]!r} does not pickle: {exc}")))
        finally:
            send.close()

    proc = ctx.Process(target=child, name=name, daemon=True)
    proc.start()
    send.close()
    try:
        result = main()
    except BaseException:
        proc.kill()
        proc.join()
        receive.close()
        raise
    try:
        answer: tuple[str, Any] | None = receive.recv()
    except EOFError:
        answer = None
    except Exception as exc:  # an answer that does not unpickle: say so, do not guess
        raise RuntimeError(f"{name}: the child's answer could not be read: {exc}") from exc
    finally:
        receive.close()
        proc.join()
    if answer is None:
        logger.warning(
            "%s: the child process ended without an answer (exit code %s): done here instead",
            name,
            proc.exitcode,
        )
        return result, side()
    if answer[0] == "error":
        raise answer[1]
    return result, answer[1]


def _in_thread(side: Callable[[], S], main: Callable[[], M], name: str) -> tuple[M, S]:
    from concurrent.futures import ThreadPoolExecutor

    from kewaspadaan._threads import thread_limits

    def body() -> S:
        with thread_limits():  # numba's thread count is per thread
            return side()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        future = pool.submit(body)
        try:
            result = main()
        except BaseException:
            future.cancel()
            raise
        return result, future.result()
