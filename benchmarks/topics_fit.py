"""Multinomial logistic regression on soft targets over sparse features, fitted with L-BFGS.

Each training item has a target distribution over topics (see benchmarks/train_topics.py) and
the loss is the cross-entropy to it. The weights are pulled towards a prior (the hand-written
lexicon) instead of towards zero, so topics that no labelled set covers keep their lexicon
evidence and the labelled sets refine the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Sparse:
    """Document-feature matrix kept as (row, col, value) triples sorted by row."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]):
        self.rows, self.cols, self.vals = rows, cols, vals
        self.n_rows, self.n_cols = shape
        self._row_groups = _groups(rows, self.n_rows)
        self._by_col = np.argsort(cols, kind="stable")
        self._col_groups = _groups(cols[self._by_col], self.n_cols)

    def dot(self, w: np.ndarray) -> np.ndarray:
        """self @ w for a dense (n_cols, k) matrix."""
        return _sum_groups(self.vals[:, None] * w[self.cols], *self._row_groups)

    def tdot(self, g: np.ndarray) -> np.ndarray:
        """self.T @ g for a dense (n_rows, k) matrix."""
        order = self._by_col
        return _sum_groups(self.vals[order, None] * g[self.rows[order]], *self._col_groups)


def _groups(sorted_keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Start offsets of each key's run in a sorted array, and which keys have a run at all."""
    present = np.unique(sorted_keys)
    starts = np.searchsorted(sorted_keys, present)
    return present, starts, n


def _sum_groups(values: np.ndarray, present: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Row sums of values over each key's run, zero for keys without one."""
    out = np.zeros((n, values.shape[1]))
    if len(starts):
        out[present] = np.add.reduceat(values, starts, axis=0)
    return out


def _lse(z: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp, stable."""
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


class Objective(Protocol):
    """Anything with a smooth objective and its gradient at a flat parameter vector."""

    def loss_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]: ...


@dataclass
class Problem:
    """Data, soft targets, item weights and the prior of one fit."""

    x: Sparse
    target: np.ndarray  # (n_rows, k) target distribution of each item
    weight: np.ndarray  # (n_rows,) item weights, summing to 1
    prior: np.ndarray  # (n_cols, k) lexicon weights the fit is pulled towards
    l2: float  # strength of the pull of the weights towards the prior
    l2_bias: float

    def loss_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective value and gradient at a flat parameter vector (weights, then biases)."""
        k = self.target.shape[1]
        w = params[:-k].reshape(self.x.n_cols, k)
        b = params[-k:]
        z = self.x.dot(w) + b
        lse = _lse(z)
        loss = float(self.weight @ (lse - (self.target * z).sum(axis=1)))
        g = (np.exp(z - lse[:, None]) - self.target) * self.weight[:, None]
        diff = w - self.prior
        loss += 0.5 * self.l2 * float((diff**2).sum()) + 0.5 * self.l2_bias * float(b @ b)
        grad_w = self.x.tdot(g) + self.l2 * diff
        grad_b = g.sum(axis=0) + self.l2_bias * b
        return loss, np.concatenate([grad_w.ravel(), grad_b])


def lbfgs(problem: Objective, start: np.ndarray, iters: int = 300, memory: int = 12) -> np.ndarray:
    """Minimise a smooth convex objective with L-BFGS and a backtracking line search."""
    x = start.copy()
    f, g = problem.loss_grad(x)
    s_hist: list[np.ndarray] = []
    y_hist: list[np.ndarray] = []
    for _ in range(iters):
        d = -_two_loop(g, s_hist, y_hist)
        step, slope = 1.0, float(g @ d)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            d, slope, s_hist, y_hist = -g, -float(g @ g), [], []
        while True:
            x_new = x + step * d
            f_new, g_new = problem.loss_grad(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        if float(s @ y) > 1e-12:
            s_hist, y_hist = (s_hist + [s])[-memory:], (y_hist + [y])[-memory:]
        converged = abs(f - f_new) < 1e-9 * max(1.0, abs(f))
        x, f, g = x_new, f_new, g_new
        if converged:
            break
    return x


def _two_loop(g: np.ndarray, s_hist: list[np.ndarray], y_hist: list[np.ndarray]) -> np.ndarray:
    """The L-BFGS approximation of (inverse Hessian) @ g."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(s_hist), reversed(y_hist), strict=True):
        a = float(s @ q) / float(y @ s)
        alphas.append(a)
        q -= a * y
    if s_hist:
        q *= float(s_hist[-1] @ y_hist[-1]) / float(y_hist[-1] @ y_hist[-1])
    for (s, y), a in zip(zip(s_hist, y_hist, strict=True), reversed(alphas), strict=True):
        q += (a - float(y @ q) / float(y @ s)) * s
    return q
