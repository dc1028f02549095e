"""The report's tables as pandas DataFrames, each built from the evaluation data it shows.

`Report.tables()` and the sections (`sections/`) both build their tables here, so a section
needs only its own numbers, never the whole report. Column labels are English; the sections
word them in the report's language (wording.TABLES).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def label_distribution(per_label: Mapping[int, int]) -> Any:
    """Rows and share (%) per true label, indexed by label."""
    import pandas as pd

    total = sum(per_label.values())
    return pd.DataFrame(
        {
            "label": list(per_label),
            "rows": list(per_label.values()),
            "share (%)": [100 * n / total for n in per_label.values()],
        }
    ).set_index("label")


def feature_importance(
    importance: Mapping[str, Mapping[str, float]], feature_names: Sequence[str]
) -> Any:
    """Weight, gain and cover per feature (0 for a feature the trees never use), by gain."""
    import pandas as pd

    frame = pd.DataFrame(importance).reindex(feature_names).fillna(0.0)
    key = "gain" if "gain" in frame else frame.columns[0]
    return frame.sort_values(key, ascending=False, kind="stable")


def confusion_matrix(order: Sequence[int], matrix: np.ndarray) -> Any:
    """Rows per (true, predicted) class, in display order (`evaluate.ordered_matrix`)."""
    import pandas as pd

    labels = [str(c) for c in order]
    return pd.DataFrame(
        matrix,
        index=pd.Index([f"true {c}" for c in labels]),
        columns=[f"predicted {c}" for c in labels],
    )


def confusion_cells(confusion: Mapping[str, Mapping[str, Any]]) -> Any:
    """A binary model's four cells (TP, FN, FP, TN): meaning, rows and shares."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "cell": name,
                "meaning": cell["meaning"],
                "rows": int(cell["count"]),
                "% of all rows": cell["percent_of_all"],
                "% of its true class": cell["percent_of_class"],
            }
            for name, cell in confusion.items()
        ]
    ).set_index("cell")


def classification_report(report: Mapping[str, Any]) -> Any:
    """scikit-learn's classification report (its per-class and average rows) as a table."""
    import pandas as pd

    frame = pd.DataFrame({k: v for k, v in report.items() if isinstance(v, dict)}).T
    frame["support"] = frame["support"].astype(int)
    return frame


def regression_metrics(metrics: Mapping[str, float]) -> Any:
    """A regression's error measures (RMSE, MAE, R²), one row each."""
    import pandas as pd

    return pd.DataFrame({"value": metrics}).rename_axis("metric")
