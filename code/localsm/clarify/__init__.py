"""A local stand-in for the SageMaker Clarify processing container (closed source).

`python -m localsm.clarify <ml_root>` reads the analysis config in
`processing/input/config/` (`analysis_config.json` as the SageMaker SDK names it, or the one
file there) and the CSV dataset in `processing/input/data`, and writes what Clarify writes to
`processing/output`: `analysis.json`, the report (`<name>.ipynb` and `<name>.html`), the
local SHAP values (`explanations_shap/out.csv`) and the baseline they were computed against
(`explanations_shap/baseline.csv`).

Bias metrics come from AWS's open-source smclarify; SHAP values from Kernel SHAP against the
baseline, as Clarify computes them. Predictions come from the shadow endpoint the local job
starts (`LOCALSM_CLARIFY_ENDPOINT_URL`), or for SHAP from the same model loaded from
`LOCALSM_CLARIFY_MODEL_DIR` once it has answered as the endpoint does; the report's language
from `LOCALSM_LANGUAGE` (en or pt_BR).

Modules: `__main__` (entry, failure message), `analyzer` (one run, outputs), `config`,
`data`, `predictor` (shadow endpoint), `bias` (smclarify), `shap` (SHAPConfig to values),
`kernel_shap` (the estimator), `baseline` (k-means baseline), `scoring` (where predictions
come from), `report` and `render` (the report model, notebook and HTML), `wording` (its
words), `errors`.
"""
