"""The SHAP baseline when the config gives none: Clarify clusters the dataset with k-means and
uses one row per cluster (its centre), saving them to `explanations_shap/baseline.csv`.

`num_clusters` sets the number of rows. Without it Clarify picks "an optimal number" between 1
and 12 and does not say how; here the number from 2 to 12 with the best silhouette score (on a
seeded sample of at most 2,000 rows) is used, and the report says so. Missing values are
replaced by their column's mean for the clustering only. Every baseline row weighs the same,
as the rows of a baseline given in the config do.
"""

from __future__ import annotations

import numpy as np

from localsm.clarify.errors import InputError

MAX_CLUSTERS = 12
SILHOUETTE_ROWS = 1000
N_INIT = 1  # starts per fit: k-means++ seeding makes one enough here, and 11 fits stay fast


def kmeans_baseline(matrix: np.ndarray, num_clusters: object, seed: int | None) -> np.ndarray:
    """The cluster centres of the feature rows: (k, features)."""
    filled = _filled(matrix)
    distinct = len(np.unique(filled, axis=0))
    if num_clusters is not None:
        k = _clusters(num_clusters)
        return _fit(filled, min(k, distinct), seed).cluster_centers_
    if distinct < 3:
        return _fit(filled, distinct, seed).cluster_centers_
    return _best_by_silhouette(filled, min(MAX_CLUSTERS, distinct - 1), seed)


def _clusters(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"methods.shap.num_clusters {value!r}: give a whole number of baseline rows, 1 or more"
        )
    return value


def _filled(matrix: np.ndarray) -> np.ndarray:
    """Missing values as their column's mean (0 for a column with no value at all)."""
    missing = np.isnan(matrix)
    if not missing.any():
        return matrix
    counts = (~missing).sum(axis=0)
    means = np.where(missing, 0.0, matrix).sum(axis=0) / np.maximum(counts, 1)
    return np.where(missing, means, matrix)


def _fit(data: np.ndarray, k: int, seed: int | None):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=max(1, k), n_init=N_INIT, random_state=seed).fit(data)


def _best_by_silhouette(data: np.ndarray, most: int, seed: int | None) -> np.ndarray:
    from sklearn.metrics import silhouette_score

    best, best_score = None, -np.inf
    for k in range(2, most + 1):
        model = _fit(data, k, seed)
        score = silhouette_score(data, model.labels_, sample_size=min(len(data), SILHOUETTE_ROWS),
                                 random_state=seed)  # fmt: skip
        if score > best_score:
            best, best_score = model.cluster_centers_, score
    return best
