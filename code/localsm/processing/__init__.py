"""Processing jobs of the local service: `api.py` (the API operations), `job.py` (one job, in
the background), `staging.py` (its /opt/ml/processing folders, inputs and outputs) and
`shadow.py` (the temporary endpoint a Clarify analysis gets its predictions from). The
container itself, SageMaker Clarify's analyzer, is emulated by `localsm.clarify`."""
