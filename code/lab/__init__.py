"""The helper every notebook imports: `setup(mode)` is the only place that knows the mode.

    lab = setup("auto")   # "local" on a laptop or in CI, "sagemaker" inside SageMaker

returns the session, role, region, instance type, data URIs and output path that the
SageMaker SDK calls in the notebooks need. In local mode the session runs training jobs as
local processes (`localsm`); in SageMaker mode it is a plain `sagemaker.Session()`.

Figures (`lab.figures`, scikit-learn's Display style: build with `from_...`, redraw with `plot`):
- `TuningSearchDisplay`: tuning jobs' objectives in launch order or against each hyperparameter.
- `PredictedProbabilityDisplay`: the predicted P(label 1) per true class, with the threshold.
"""

from __future__ import annotations

from lab.cleanup import show_leftovers
from lab.explain import (
    bias_table,
    clarify_output_path,
    compare_with_exact_shap,
    dataset_source,
    download_analysis,
    local_explanations,
    plot_shap_importance,
    read_analysis,
    report_link,
    shap_importance,
)
from lab.figures import PredictedProbabilityDisplay, TuningSearchDisplay
from lab.hosting import (
    column_names,
    hosting_left,
    measure_latency,
    print_latency,
    read_split,
    score_predictions,
    still_running,
    transform_output,
)
from lab.kernel import ensure_requirements
from lab.language import language
from lab.modes import (
    Lab,
    LabSetupError,
    bundled_csv,
    detect_mode,
    sdk_generation,
    setup,
    use_mode,
)
from lab.notebook import (
    describe,
    evaluate,
    fetch,
    job_name,
    load_model,
    model_data,
    print_best_job,
    print_labeled,
    print_scores,
    print_summary,
    short,
    show_log,
    training_report,
)
from lab.paths import (
    LAB_HYPERPARAMETERS,
    LOCAL_ROLE,
    OUTPUTS_DIR,
    REPO,
    SCRIPT_DIR,
)
from lab.reading import read_bias, shap_ranking
from lab.tuning import compare_tuning_jobs, localized
from lab.words import say

__all__ = [
    "REPO",
    "SCRIPT_DIR",
    "OUTPUTS_DIR",
    "LOCAL_ROLE",
    "LAB_HYPERPARAMETERS",
    "Lab",
    "LabSetupError",
    "bundled_csv",
    "compare_tuning_jobs",
    "localized",
    "TuningSearchDisplay",
    "PredictedProbabilityDisplay",
    "describe",
    "column_names",
    "read_split",
    "measure_latency",
    "print_latency",
    "score_predictions",
    "transform_output",
    "hosting_left",
    "still_running",
    "show_leftovers",
    "clarify_output_path",
    "dataset_source",
    "download_analysis",
    "read_analysis",
    "report_link",
    "bias_table",
    "shap_importance",
    "plot_shap_importance",
    "local_explanations",
    "compare_with_exact_shap",
    "read_bias",
    "shap_ranking",
    "say",
    "detect_mode",
    "language",
    "ensure_requirements",
    "evaluate",
    "fetch",
    "job_name",
    "load_model",
    "model_data",
    "print_best_job",
    "print_labeled",
    "print_scores",
    "print_summary",
    "sdk_generation",
    "setup",
    "use_mode",
    "short",
    "show_log",
    "training_report",
]
