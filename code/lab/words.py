"""What the lab prints, in the notebook's language (`lab.language`): one table per language,
the same keys, `str.format` templates. Names of things (job names, paths, API values) stay
as they are."""

from __future__ import annotations

from typing import Any

from lab.language import language

ENGLISH = {
    "installed": "All packages the lab needs are installed.",
    "mode": "Mode: {mode} ({reason})",
    "explicit": "chosen explicitly",
    "in_sagemaker": "{path} exists (SageMaker Studio or notebook instance)",
    "outside": "not inside SageMaker (no {path})",
    "uploaded": "Uploaded {name} to {uri}",
    "no_bucket_list": "Cannot list the account's S3 buckets ({code}): the lab's data bucket is "
    "not looked for; the bundled data goes to the default bucket.",
    "setup.mode": "mode:",
    "setup.region": "region:",
    "setup.role": "role:",
    "setup.iam_role": "{name} (IAM role)",
    "setup.instance": "instance type:",
    "setup.train": "train:",
    "setup.validation": "validation:",
    "setup.test": "test:",
    "setup.output": "output path:",
    "report_page": "Report page: {path}",
    "rule_output": "Debugger rule output (local): {path}",
    "no_history": "No training history at {uri}: the report leaves out the loss curves.",
    "whole_stream": "(the whole log: {lines} lines in the log stream {stream} of {group})",
    "rounds_skipped": "  ... {count} rounds not shown ...",
    "left.endpoint": "endpoint",
    "left.endpoint config": "endpoint config",
    "left.model": "model",
    "left.exists": "still exists: delete it",
    "left.deleted": "deleted",
    "bias.value": "value",
    "bias.meaning": "what it measures",
    "shap.global": "global SHAP value",
    "shap.axis": "mean |SHAP value| (log-odds when use_logit)",
    "shap.title": "Global feature importance (SHAP)",
    "shap.row": "row {row}",
    "shap.value": "value",
    "shap.baseline": "baseline",
    "shap.exact_rows": "rows compared with the exact values: {rows} (all {coalitions} coalitions "
    "each)",
    "shap.exact_local": "largest gap in one local value:  {gap} (mean gap {mean})",
    "shap.exact_global": "largest gap in one global value: {gap} ({agg} over these rows)",
    "shap.exact_top": "top three features, Kernel SHAP: {kernel}; exact: {exact}",
    "shap.exact_sum": "row 0: its SHAP values add up to {total} = its output {output} minus "
    "expected_value {expected}",
    "tuning.original": "lab's original search",
    "tuning.tuned": "this notebook's search",
    "tuning.metric": "objective",
    "tuning.jobs": "jobs with a score",
    "tuning.best": "best",
    "tuning.worst": "worst",
    "label.training_job": "Training job",
    "label.model_artifact": "Model artifact",
    "label.image": "Image",
    "label.trees": "Trees",
    "label.features": "Features",
    "label.endpoint": "Endpoint",
    "label.endpoint_instance_type": "endpoint instance type",
    "label.transform_instance_type": "transform instance type",
    "label.rows_scored": "rows scored",
    "label.processing_instance_type": "processing instance type",
    "label.shadow_endpoint_type": "shadow endpoint type",
    "label.sagemaker_model": "SageMaker model",
    "label.analysis_output": "Analysis output",
    "label.processing_job": "Processing job",
    "label.shadow_endpoints_left": "shadow endpoints left",
    "latency": "{calls} one-row requests: median {p50:.1f} ms, 99th percentile {p99:.1f} ms",
}

PORTUGUESE = {
    "installed": "Todos os pacotes de que o laboratório precisa estão instalados.",
    "mode": "Modo: {mode} ({reason})",
    "explicit": "escolhido explicitamente",
    "in_sagemaker": "{path} existe (SageMaker Studio ou instância de notebook)",
    "outside": "fora do SageMaker ({path} não existe)",
    "uploaded": "{name} enviado para {uri}",
    "no_bucket_list": "Não foi possível listar os buckets S3 da conta ({code}): o bucket de dados "
    "do laboratório não é procurado; os dados do repositório vão para o bucket padrão.",
    "setup.mode": "modo:",
    "setup.region": "região:",
    "setup.role": "função (role):",
    "setup.iam_role": "{name} (função do IAM)",
    "setup.instance": "instância:",
    "setup.train": "treino:",
    "setup.validation": "validação:",
    "setup.test": "teste:",
    "setup.output": "saída:",
    "report_page": "Página do relatório: {path}",
    "rule_output": "Saída da regra do Debugger (local): {path}",
    "no_history": "Sem histórico de treinamento em {uri}: o relatório fica sem as curvas de perda.",
    "whole_stream": "(o log inteiro: {lines} linhas no fluxo de log {stream} de {group})",
    "rounds_skipped": "  ... {count} rodadas não mostradas ...",
    "left.endpoint": "endpoint",
    "left.endpoint config": "config. de endpoint",
    "left.model": "modelo",
    "left.exists": "ainda existe: exclua-o",
    "left.deleted": "excluído",
    "bias.value": "valor",
    "bias.meaning": "o que mede",
    "shap.global": "valor SHAP global",
    "shap.axis": "média de |valor SHAP| (log-odds com use_logit)",
    "shap.title": "Importância global dos atributos (SHAP)",
    "shap.row": "linha {row}",
    "shap.value": "valor",
    "shap.baseline": "linha de base",
    "shap.exact_rows": "linhas comparadas com os valores exatos: {rows} (todas as {coalitions} "
    "coalizões em cada)",
    "shap.exact_local": "maior diferença num valor local:  {gap} (diferença média {mean})",
    "shap.exact_global": "maior diferença num valor global: {gap} ({agg} nessas linhas)",
    "shap.exact_top": "três atributos principais, Kernel SHAP: {kernel}; exatos: {exact}",
    "shap.exact_sum": "linha 0: os valores SHAP dela somam {total} = a saída dela, {output}, "
    "menos o expected_value, {expected}",
    "tuning.original": "busca original do laboratório",
    "tuning.tuned": "busca deste notebook",
    "tuning.metric": "objetivo",
    "tuning.jobs": "jobs com pontuação",
    "tuning.best": "melhor",
    "tuning.worst": "pior",
    "label.training_job": "Job de treinamento",
    "label.model_artifact": "Artefato do modelo",
    "label.image": "Imagem",
    "label.trees": "Árvores",
    "label.features": "Atributos",
    "label.endpoint": "Endpoint",
    "label.endpoint_instance_type": "tipo de instância do endpoint",
    "label.transform_instance_type": "tipo de instância da transformação",
    "label.rows_scored": "linhas pontuadas",
    "label.processing_instance_type": "tipo de instância do processamento",
    "label.shadow_endpoint_type": "tipo do endpoint sombra",
    "label.sagemaker_model": "Modelo do SageMaker",
    "label.analysis_output": "Saída da análise",
    "label.processing_job": "Job de processamento",
    "label.shadow_endpoints_left": "endpoints sombra restantes",
    "latency": "{calls} requisições de uma linha: mediana de {p50:.1f} ms, percentil 99 de "
    "{p99:.1f} ms",
}

TABLES = {"en": ENGLISH, "pt_BR": PORTUGUESE}


def say(key: str, **values: Any) -> str:
    """The text of `key` in the notebook's language, with `values` filled in."""
    return TABLES[language()][key].format(**values)


def template(key: str) -> str:
    """The text of `key` with its `{fields}` left to fill (for code that formats it later)."""
    return TABLES[language()][key]
