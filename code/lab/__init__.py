"""The helper every notebook imports: `setup(mode)` is the only place that knows the mode.

    lab = setup("auto")   # "local" on a laptop or in CI, "sagemaker" inside SageMaker

returns the session, role, region, instance type, data URIs and output path that the
SageMaker SDK calls in the notebooks need. In local mode the session runs training jobs as
local processes (`localsm`); in SageMaker mode it is a plain `sagemaker.Session()`.
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
from lab.kernel import NOTEBOOK_PACKAGES, ensure_requirements
from lab.language import language, language_of
from lab.modes import (
    Lab,
    LabSetupError,
    bundled_csv,
    current_mode,
    detect_mode,
    sdk_generation,
    session_of,
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
    CODE_DIR,
    DATASET_DIR,
    DOWNLOADS_DIR,
    LAB_BUCKET_MARKER,
    LAB_HYPERPARAMETERS,
    LOCAL_ROLE,
    OUTPUTS_DIR,
    REPO,
    S3_PREFIX,
    SAGEMAKER_INSTANCE_TYPE,
    SAGEMAKER_METADATA,
    SCRIPT_DIR,
    SPLITS,
)
from lab.tuning import compare_tuning_jobs

__all__ = [
    "REPO",
    "CODE_DIR",
    "SCRIPT_DIR",
    "DATASET_DIR",
    "OUTPUTS_DIR",
    "DOWNLOADS_DIR",
    "SPLITS",
    "LOCAL_ROLE",
    "SAGEMAKER_METADATA",
    "SAGEMAKER_INSTANCE_TYPE",
    "S3_PREFIX",
    "LAB_BUCKET_MARKER",
    "LAB_HYPERPARAMETERS",
    "NOTEBOOK_PACKAGES",
    "Lab",
    "LabSetupError",
    "bundled_csv",
    "compare_tuning_jobs",
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
    "detect_mode",
    "language",
    "language_of",
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
    "current_mode",
    "session_of",
    "short",
    "show_log",
    "training_report",
]
