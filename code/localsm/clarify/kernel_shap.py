"""Kernel SHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions"),
the estimator SageMaker Clarify runs for tabular data, against a baseline (background) set.

For one row x, a coalition S of features is scored by v(S) = link(mean over the baseline rows
b of f(x_S, b_rest)): the features in S take x's values, the others the baseline row's. The
Shapley values of that game are the SHAP values; they add up to link(f(x)) - link(mean f(b)).
Kernel SHAP estimates them by weighted least squares over coalitions, with the Shapley kernel
weights and the sum as a constraint:

- only the features whose value differs from every baseline row take part (a feature equal to
  the baseline everywhere changes nothing: its value is exactly 0);
- coalition sizes are enumerated whole, smallest first, each with its complement, while the
  budget (`num_samples`, at most 2^M - 2) covers a size's share of the kernel weight; the rest
  of the budget is drawn at random (seeded) from the remaining sizes, again with complements,
  all drawn coalitions weighing the same. With num_samples >= 2^M - 2 every coalition is
  enumerated and the result is the exact Shapley values;
- without `num_samples`, the budget is 2M + 2048 (capped at 2^M - 2), as Clarify's
  documentation states for its explainer.

Written here rather than taken from the `shap` package: `shap` brings numba and llvmlite
(about 150 MB) into the jobs' environment for one function of ~200 lines. Differences from
`shap.KernelExplainer`: a coalition drawn twice is evaluated twice instead of once with a
double weight (the same least-squares problem, one more model call), no L1 feature selection,
and the random draws are made per row from one seeded generator, in row order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]  # (rows, features) -> (rows,) model outputs
RCOND = 1e-10  # singular values of the normal equations below this (relative) count as 0
MAX_SYNTHETIC_ROWS = 400_000  # rows sent to the model at once (memory: rows x features x 8 B)


def default_samples(m: int) -> int:
    """Clarify's budget when num_samples is not given: 2M + 2^11."""
    return 2 * m + 2048


def budget(m: int, num_samples: int | None) -> int:
    """The coalitions evaluated per row: num_samples (or the default), at most 2^M - 2."""
    wanted = default_samples(m) if num_samples is None else int(num_samples)
    return max(1, min(wanted, 2**m - 2)) if m > 1 else 0


@dataclass(frozen=True)
class Plan:
    """The coalitions of M features for one budget: the enumerated ones (shared by every
    row) and how the random ones are drawn."""

    m: int
    fixed: np.ndarray  # (k, M) bool: enumerated coalitions
    fixed_weights: np.ndarray  # (k,)
    random_count: int  # coalitions drawn at random per row
    random_weight: float  # the weight of each drawn coalition
    sizes: np.ndarray  # the sizes a draw may take
    size_probabilities: np.ndarray
    paired_up_to: int  # sizes up to this one come with their complement


def plan(m: int, samples: int) -> Plan:
    """Enumerate whole coalition sizes while the budget allows; plan the draws for the rest."""
    n_sizes = (m - 1 + 1) // 2  # ceil((M - 1) / 2): sizes 1..n_sizes, complements give the rest
    paired = (m - 1) // 2
    sizes = np.arange(1, n_sizes + 1)
    weights = (m - 1) / (sizes * (m - sizes))  # the Shapley kernel, per size
    weights[:paired] *= 2  # a paired size stands for itself and its complement's size
    weights /= weights.sum()
    left, remaining, full = samples, weights.copy(), 0
    masks: list[np.ndarray] = []
    mask_weights: list[float] = []
    for size in sizes:
        count = comb(m, size) * (2 if size <= paired else 1)
        if left * remaining[size - 1] / count < 1.0 - 1e-8:
            break
        full, left = full + 1, left - count
        if remaining[size - 1] < 1.0:
            remaining /= 1.0 - remaining[size - 1]
        weight = weights[size - 1] / comb(m, size) / (2 if size <= paired else 1)
        for members in combinations(range(m), size):
            mask = np.zeros(m, dtype=bool)
            mask[list(members)] = True
            masks.append(mask)
            mask_weights.append(weight)
            if size <= paired:
                masks.append(~mask)
                mask_weights.append(weight)
    draw = weights.copy()
    draw[:paired] /= 2  # a paired draw adds two coalitions
    draw = draw[full:]
    left = left if full < n_sizes else 0
    return Plan(
        m=m,
        fixed=np.array(masks, dtype=bool).reshape(-1, m),
        fixed_weights=np.array(mask_weights, dtype=np.float64),
        random_count=left,
        random_weight=float(weights[full:].sum() / left) if left else 0.0,
        sizes=sizes[full:],
        size_probabilities=draw / draw.sum() if left else draw,
        paired_up_to=paired,
    )


def draw(p: Plan, rows: int, rng: np.random.Generator) -> np.ndarray:
    """(rows, random_count, M) random coalitions: a size by the kernel weights, then that
    many features at random; each draw of a paired size followed by its complement."""
    n = p.random_count
    if n == 0:
        return np.zeros((rows, 0, p.m), dtype=bool)
    sizes = rng.choice(p.sizes, size=(rows, n), p=p.size_probabilities)
    keys = rng.random((rows, n, p.m), dtype=np.float32)  # the `size` smallest ones are in
    cut = np.take_along_axis(np.sort(keys, axis=-1), sizes[..., None] - 1, axis=-1)
    drawn = keys <= cut
    both = np.stack([drawn, ~drawn], axis=2)  # (rows, n, 2, M): each draw, then its complement
    valid = np.ones((rows, n, 2), dtype=bool)
    valid[:, :, 1] = sizes <= p.paired_up_to
    order = np.argsort(~valid.reshape(rows, 2 * n), axis=1, kind="stable")[:, :n]
    return np.take_along_axis(both.reshape(rows, 2 * n, p.m), order[..., None], axis=1)


def identity(values: np.ndarray) -> np.ndarray:
    return values


def logit(values: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)); p kept inside (0, 1) by 1e-15 so that a saturated score stays finite."""
    p = np.clip(values, 1e-15, 1 - 1e-15)
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class Explanation:
    """Per-row SHAP values and what they add up to."""

    values: np.ndarray  # (rows, M)
    outputs: np.ndarray  # f(x) per row, model scale (before the link)
    expected_value: float  # link(mean f(baseline))
    samples: int  # coalitions per row (the most any row got)
    active: int  # features taking part (the most any row had: a row equal to the baseline in
    # some features has fewer)


def explain(predict: Predict, rows: np.ndarray, baseline: np.ndarray, num_samples: int | None,
            seed: int | None, link: Callable = identity) -> Explanation:  # fmt: skip
    """Kernel SHAP values of every row against the baseline rows (equal weights)."""
    rng = np.random.default_rng(seed)
    outputs = np.asarray(predict(rows), dtype=np.float64)
    base = float(np.mean(np.asarray(predict(baseline), dtype=np.float64)))
    expected = float(link(np.array([base]))[0])
    total = link(outputs) - expected  # what each row's values add up to
    active = ~np.all(_same(rows[:, None, :], baseline[None, :, :]), axis=1)  # (rows, M)
    values = np.zeros(rows.shape, dtype=np.float64)
    most = active_most = 0
    patterns, which = np.unique(active, axis=0, return_inverse=True)
    for index, pattern in enumerate(patterns):
        members = np.flatnonzero(which.ravel() == index)
        features = np.flatnonzero(pattern)
        active_most = max(active_most, len(features))
        if len(features) == 1:
            values[members, features[0]] = total[members]
        if len(features) < 2:
            continue
        p = plan(len(features), budget(len(features), num_samples))
        most = max(most, len(p.fixed) + p.random_count)
        for chunk in _chunks(members, len(p.fixed) + p.random_count, len(baseline)):
            game = _Game(predict, rows[chunk], baseline, features, link, expected)
            values[np.ix_(chunk, features)] = _solve(p, game, total[chunk], rng)
    return Explanation(values, outputs, expected, most, active_most)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal values (two missing values count as equal)."""
    return np.isclose(a, b, rtol=1e-9, atol=0.0) | (np.isnan(a) & np.isnan(b))


def _chunks(members: np.ndarray, samples: int, baseline_rows: int) -> list[np.ndarray]:
    """Rows in groups small enough that their synthetic rows fit MAX_SYNTHETIC_ROWS."""
    size = max(1, MAX_SYNTHETIC_ROWS // max(1, samples * baseline_rows))
    return [members[i : i + size] for i in range(0, len(members), size)]


@dataclass(frozen=True)
class _Game:
    """v(S) for rows of the data: the model's mean output with the coalition's features from
    the row and the others from each baseline row, through the link."""

    predict: Predict
    rows: np.ndarray  # (n, M_all)
    baseline: np.ndarray  # (B, M_all)
    features: np.ndarray  # the active features, in coalition order
    link: Callable
    expected: float

    def values(self, masks: np.ndarray) -> np.ndarray:
        """(n, s) coalition values minus the expected value; masks (n, s, M_active)."""
        n, s, _ = masks.shape
        absent = np.zeros((n, s, 1, self.rows.shape[1]), dtype=bool)
        absent[..., self.features] = ~masks[:, :, None, :]
        synthetic = np.where(absent, self.baseline[None, None], self.rows[:, None, None])
        scores = np.asarray(self.predict(synthetic.reshape(-1, synthetic.shape[-1])))
        mean = scores.astype(np.float64).reshape(n, s, len(self.baseline)).mean(axis=2)
        return self.link(mean) - self.expected


def _solve(p: Plan, game: _Game, total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Weighted least squares with the efficiency constraint, for each row of the game: the
    last active feature's value is the total minus the others', so it is eliminated. The
    enumerated coalitions' part of the normal equations is shared by every row."""
    n, k = len(game.rows), len(p.fixed)
    drawn = draw(p, n, rng)  # (n, r, m)
    masks = np.concatenate([np.broadcast_to(p.fixed[None], (n, *p.fixed.shape)), drawn], axis=1)
    y = game.values(masks)  # (n, k + r)
    target = y - masks[:, :, -1] * total[:, None]
    fixed = p.fixed[:, :-1].astype(np.float64) - p.fixed[:, -1:]  # (k, m - 1)
    gram = np.broadcast_to(fixed.T @ (fixed * p.fixed_weights[:, None]), (n, p.m - 1, p.m - 1))
    rhs = (target[:, :k] * p.fixed_weights) @ fixed
    if p.random_count:
        rand = drawn[:, :, :-1].astype(np.float32) - drawn[:, :, -1:]  # {-1, 0, 1}: exact
        gram = gram + p.random_weight * np.matmul(rand.transpose(0, 2, 1), rand)
        rhs = rhs + p.random_weight * np.einsum("nsi,ns->ni", rand, target[:, k:])
    # The least-norm solution (pseudo-inverse, as shap's KernelExplainer falls back to least
    # squares): with fewer distinct coalitions than values (num_samples < M; a coalition and
    # its complement give one direction) the system is singular, and rounding can hide that
    # from `solve`, which then answers values of 1e5 and more for a model scoring in [0, 1].
    head = np.einsum("nij,nj->ni", np.linalg.pinv(gram, rcond=RCOND), rhs)
    return np.concatenate([head, (total - head.sum(axis=1))[:, None]], axis=1)


def exact_values(predict: Predict, rows: np.ndarray, baseline: np.ndarray,
                 link: Callable = identity) -> np.ndarray:  # fmt: skip
    """The exact Shapley values of the same game, by the definition: every one of the 2^M
    coalitions scored, each feature's marginal contributions weighted by |S|! (M-|S|-1)! / M!.
    For checking the estimate (2^M model calls x baseline rows per row: small M only)."""
    m = rows.shape[1]
    codes = np.arange(2**m)
    masks = ((codes[:, None] >> np.arange(m)) & 1).astype(bool)  # bit j: feature j present
    sizes = masks.sum(axis=1)
    factorial = np.cumprod(np.concatenate([[1.0], np.arange(1, m + 1)]))
    kernel = factorial[:-1] * factorial[::-1][1:] / factorial[m]  # by |S| without the feature
    values = np.zeros(rows.shape, dtype=np.float64)
    for i, row in enumerate(rows):
        synthetic = np.where(masks[:, None, :], row, baseline[None, :, :])
        scores = np.asarray(predict(synthetic.reshape(-1, m)), dtype=np.float64)
        game = link(scores.reshape(2**m, len(baseline)).mean(axis=1))
        for j in range(m):
            present = codes[masks[:, j]]
            absent = present ^ (1 << j)
            values[i, j] = np.sum(kernel[sizes[absent]] * (game[present] - game[absent]))
    return values
