"""A local stand-in for the SageMaker Clarify processing container (closed source).

`python -m localsm.clarify <ml_root>` reads `processing/input/config/analysis_config.json`
(written by the SageMaker SDK v2) and the CSV dataset in `processing/input/data`, and writes
what Clarify writes to `processing/output`: `analysis.json`, the report (`<name>.ipynb` and
`<name>.html`) and the local SHAP values (`explanations_shap/out.csv`).

Bias metrics come from AWS's open-source smclarify; SHAP values are exact TreeSHAP of the
XGBoost model (Clarify estimates them with Kernel SHAP). Predictions for post-training bias
come from the shadow endpoint the local job starts (`LOCALSM_CLARIFY_ENDPOINT_URL`); the
model for SHAP from `LOCALSM_CLARIFY_MODEL_DIR`; the report's language from
`LOCALSM_LANGUAGE` (en or pt_BR).

Modules: `__main__` (entry, failure message), `analyzer` (one run, outputs), `config`,
`data`, `predictor` (shadow endpoint), `bias` (smclarify), `shap` (TreeSHAP), `report` and
`render` (the report model, notebook and HTML), `wording` (its words), `errors`.
"""
