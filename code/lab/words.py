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
}

TABLES = {"en": ENGLISH, "pt_BR": PORTUGUESE}


def say(key: str, **values: Any) -> str:
    """The text of `key` in the notebook's language, with `values` filled in."""
    return TABLES[language()][key].format(**values)
