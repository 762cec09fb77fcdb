"""A compiled evaluator of a fitted scikit-learn histogram gradient-boosting ensemble.

:class:`~sklearn.ensemble.HistGradientBoostingRegressor` predicts one tree at a time over all
rows (``raw += tree(X)`` per tree, each a pass over the whole matrix). The forecast to voting
day evaluates the ensemble on every path × unit of every month — at national size some two
million rows a month — where that costs about 40 ns per row and tree. :class:`TreeEnsemble`
flattens the trees into plain arrays once and walks every tree for one row while the row is in
the cache (2-3x faster), with sklearn's rule (``x ≤ threshold`` goes left, a missing value
goes where the split sent missing values) and its order of summation, so the raw predictions
are the same numbers (tested against ``model.predict``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange

from kewaspadaan._threads import kernel_threads

__all__ = ["TreeEnsemble", "distinct_rows"]

logger = logging.getLogger(__name__)


@njit(cache=True, parallel=True)
def _raw(
    x: np.ndarray,
    feature: np.ndarray,
    split: np.ndarray,
    children: np.ndarray,
    missing_left: np.ndarray,
    roots: np.ndarray,
    baseline: float,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """``out[i] = baseline + Σ_trees leaf(x[i])``, trees in order (sklearn's summation).

    ``feature[node] < 0`` marks a leaf, whose value is ``split[node]``; otherwise ``split`` is
    the threshold and ``children[2 node]``/``children[2 node + 1]`` the left/right child.
    """
    for i in prange(x.shape[0]):  # rows are independent: the same numbers on any threads
        acc = 0.0
        acc += baseline
        for t in range(roots.shape[0]):
            node = roots[t]
            f = feature[node]
            while f >= 0:
                v = np.float64(x[i, f])
                # the child as an index, not a branch: the split outcome is data, and a
                # mispredicted branch per level cost more than the walk itself
                right = not (v <= split[node] or (np.isnan(v) and missing_left[node]))
                node = children[2 * node + np.int64(right)]
                f = feature[node]
            acc += split[node]
        out[i] = acc


# Random odd multipliers of the row hash (fixed: the same rows get the same hash in every run).
_HASH_MUL = np.random.default_rng(20241214).integers(1, 2**62, 256, dtype=np.int64) * 2 + 1


@njit(cache=True)
def _row_hash(bits: np.ndarray, mul: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """A 64-bit hash of each row of ``bits`` (the raw bits of the features; wrapping)."""
    n_f = bits.shape[1]
    for i in range(bits.shape[0]):
        h = np.uint64(0x9E3779B97F4A7C15)
        for j in range(n_f):
            h = (h ^ np.uint64(bits[i, j])) * np.uint64(mul[j % mul.shape[0]])
        out[i] = h


@njit(cache=True)
def _group_hashes(h: np.ndarray, group: np.ndarray, first: np.ndarray) -> int:  # pragma: no cover
    """Number the distinct values of ``h`` in order of first appearance (``group``) and note
    the first row of each (``first``); an open-addressing table keyed on the high bits."""
    n = h.shape[0]
    bits = 1
    while (1 << bits) < 2 * n:
        bits += 1
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    keys = np.empty(1 << bits, dtype=np.uint64)
    vals = np.full(1 << bits, -1, dtype=np.int64)
    n_groups = 0
    for i in range(n):
        hv = h[i]
        slot = np.int64(hv >> shift)
        while vals[slot] != -1 and keys[slot] != hv:
            slot = (slot + 1) & mask
        if vals[slot] == -1:
            keys[slot] = hv
            vals[slot] = n_groups
            first[n_groups] = i
            n_groups += 1
        group[i] = vals[slot]
    return n_groups


@njit(cache=True)
def _same_as(bits: np.ndarray, ref: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[i]``: row ``i`` of ``bits`` has the bits of row ``ref[i]``."""
    n_f = bits.shape[1]
    for i in range(bits.shape[0]):
        k = ref[i]
        same = True
        for j in range(n_f):
            if bits[i, j] != bits[k, j]:
                same = False
                break
        out[i] = same


def distinct_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``x`` grouped by their exact bits (NaN equal to NaN of the same bits).

    Returns ``(first, group, exact)``: ``first`` the index of the first row of each group,
    ``group`` the group of every row, ``exact`` whether the row has exactly the bits of its
    group's first row (``False`` only on a hash collision — such a row must be taken alone).
    """
    x = np.ascontiguousarray(x)
    bits = x.view(np.uint32 if x.dtype.itemsize == 4 else np.uint64).reshape(x.shape[0], -1)
    h = np.empty(x.shape[0], dtype=np.uint64)
    _row_hash(bits, _HASH_MUL.view(np.uint64), h)
    group = np.empty(x.shape[0], dtype=np.int64)
    first = np.empty(x.shape[0], dtype=np.int64)
    first = first[: _group_hashes(h, group, first)].copy()
    exact = np.empty(x.shape[0], dtype=np.bool_)
    _same_as(bits, first[group], exact)
    return first, group, exact


_DISTINCT_MIN_ROWS = 20_000  # below this the trees are walked row by row anyway
_DISTINCT_MAX_SHARE = 0.6  # more distinct rows than this share: the grouping does not pay


@dataclass(frozen=True)
class TreeEnsemble:
    """The trees of a fitted single-output histogram gradient boosting, as flat arrays."""

    feature: np.ndarray
    split: np.ndarray
    children: np.ndarray
    missing_left: np.ndarray
    roots: np.ndarray
    baseline: float

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble | None:
        """Flatten ``model`` (a fitted ``HistGradientBoostingRegressor``); ``None`` when it has
        categorical splits or several outputs (then use ``model.predict``)."""
        predictors = getattr(model, "_predictors", None)
        if not predictors or any(len(it) != 1 for it in predictors):
            return None
        nodes = [it[0].nodes for it in predictors]
        if any(n["is_categorical"].any() for n in nodes):
            return None
        sizes = np.array([len(n) for n in nodes], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        allnodes = np.concatenate(nodes)
        shift = np.repeat(offset, sizes)
        leaf = allnodes["is_leaf"].astype(bool)
        children = np.column_stack(
            [allnodes["left"].astype(np.int64) + shift, allnodes["right"].astype(np.int64) + shift]
        )
        return cls(
            feature=np.where(leaf, -1, allnodes["feature_idx"]).astype(np.int64),
            split=np.where(leaf, allnodes["value"], allnodes["num_threshold"]).astype(np.float64),
            children=np.ascontiguousarray(children.ravel()),
            missing_left=allnodes["missing_go_to_left"].astype(np.bool_),
            roots=offset.astype(np.int64),
            baseline=float(np.asarray(model._baseline_prediction).ravel()[0]),
        )

    def raw_predict(
        self, x: np.ndarray, *, distinct: bool = False, stats: dict[str, Any] | None = None
    ) -> np.ndarray:
        """Raw (link-scale) predictions of the rows of ``x`` (float32 or float64, 2-D).

        ``distinct=True``: walk the trees once per distinct row and copy the prediction to its
        repeats — the same numbers (a row's prediction depends on its bits only), far fewer
        walks where most rows repeat (simulated paths that have not yet diverged). ``stats``,
        when given, receives ``distinct_share`` (the share of distinct rows found) and
        ``grouped`` (whether that share was low enough for the grouping to be used).
        """
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        if distinct and x.shape[0] >= _DISTINCT_MIN_ROWS:
            first, group, exact = distinct_rows(x)
            share = len(first) / x.shape[0]
            logger.debug("trees: %d distinct of %d rows", len(first), x.shape[0])
            grouped = share < _DISTINCT_MAX_SHARE
            if stats is not None:
                stats["distinct_share"], stats["grouped"] = share, grouped
            if grouped:
                out = self._walk(x[first])[group]
                if not exact.all():  # hash collisions: those rows alone
                    alone = np.flatnonzero(~exact)
                    out[alone] = self._walk(x[alone])
                return out
        return self._walk(x)

    def _walk(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape[0])
        with kernel_threads():
            _raw(x, self.feature, self.split, self.children, self.missing_left, self.roots,
                 self.baseline, out)  # fmt: skip
        return out
