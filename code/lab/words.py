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
    "latency": "{calls} one-row requests: median {p50} ms, 99th percentile {p99} ms",
    "label.model": "Model",
    "label.endpoint_config": "Endpoint configuration",
    "label.transform_job": "Transform job",
    "label.largest_difference": "Largest difference from XGBoost",
    "label.region": "Region",
    "label.instance_type": "Instance type",
    "running.endpoints": "endpoints",
    "running.endpoint configs": "endpoint configurations",
    "running.models": "models",
    "running.transform jobs": "transform jobs running",
    "running.none": "none",
    "col.true_label": "true label",
    "col.probability": "P(label 1)",
    "col.predicted_label": "predicted label",
    "col.endpoint": "P(label 1), endpoint",
    "col.xgboost": "P(label 1), XGBoost",
    "col.script": "P(label 1), script mode",
    "scores.batch": "batch transform",
    "scores.direct": "model scored directly",
    "scores.xgboost": "XGBoost",
    "score.auc": "AUC",
    "score.accuracy": "accuracy",
    "score.f1": "F1",
    "score.f1_label_1": "F1 (label 1)",
    "score.precision": "precision",
    "score.recall": "recall",
    "request.json": "JSON body",
    "request.label": "label column included",
    "bias.facet": "facet",
    "bias.metric": "metric",
    "read.CI": "CI = {value}: the facet ({facet}) is {size} group, {share} of the rows.",
    "read.CI.smaller": "the smaller",
    "read.CI.larger": "the larger",
    "read.DPL": "DPL = {value}: in the data, {q_a} of the others and {q_d} of the facet have the "
    "favourable label ({label} = {favourable}): the facet gets it {how}.",
    "read.CDDL": "CDDL = {value}: within each subgroup of {group}, the facet holds {how}.",
    "read.CDDL.more": "a larger share of the unfavourable labels than of the favourable ones",
    "read.CDDL.less": "a larger share of the favourable labels than of the unfavourable ones",
    "read.CDDL.same": "about the same share of both",
    "read.DPPL": "DPPL = {value}: the model predicts the favourable label for {q_a} of the others "
    "and {q_d} of the facet; DPL was {dpl}, so the model's gap is {how} the data's.",
    "read.DPPL.same": "about the same as",
    "read.DPPL.larger": "larger than",
    "read.DPPL.smaller": "smaller than",
    "read.DI": "DI = {value}: the facet gets the favourable prediction at {value} times the "
    "others' rate ({rule}).",
    "read.DI.low": "below 0.8, the usual warning sign: the facet gets it less often",
    "read.DI.high": "above 1.25, that is 1/0.8: the facet gets it more often, the warning sign "
    "read the other way",
    "read.DI.fair": "between 0.8 and 1.25, the usual band of parity",
    "read.AD": "AD = {value}: the others' accuracy minus the facet's; the model's accuracy is "
    "{level} for the facet.",
    "read.RD": "RD = {value}: among the people whose true label is the favourable one, the "
    "model recognises {how} of the facet (its recall for them is {level}).",
    "read.often_less": "less often",
    "read.often_more": "more often",
    "read.often_same": "about as often",
    "read.a_smaller": "a smaller share",
    "read.a_larger": "a larger share",
    "read.the_same": "about the same share",
    "read.lower": "lower",
    "read.higher": "higher",
    "read.equal": "about the same",
    "shap.ranking": "Largest global SHAP values: {top}; smallest: {bottom}; {feature}: {value} "
    "(rank {rank} of {count}).",
    "shap.first": "{first} comes first, {times} times the second ({second}).",
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
    "latency": "{calls} requisições de uma linha: mediana de {p50} ms, percentil 99 de {p99} ms",
    "label.model": "Modelo",
    "label.endpoint_config": "Configuração de endpoint",
    "label.transform_job": "Job de transformação em lote",
    "label.largest_difference": "Maior diferença para o XGBoost",
    "label.region": "Região",
    "label.instance_type": "Tipo de instância",
    "running.endpoints": "endpoints",
    "running.endpoint configs": "configurações de endpoint",
    "running.models": "modelos",
    "running.transform jobs": "transformações em lote em execução",
    "running.none": "nenhum",
    "col.true_label": "rótulo verdadeiro",
    "col.probability": "P(rótulo 1)",
    "col.predicted_label": "rótulo previsto",
    "col.endpoint": "P(rótulo 1), endpoint",
    "col.xgboost": "P(rótulo 1), XGBoost",
    "col.script": "P(rótulo 1), modo script",
    "scores.batch": "transformação em lote",
    "scores.direct": "modelo avaliado diretamente",
    "scores.xgboost": "XGBoost",
    "score.auc": "AUC",
    "score.accuracy": "acurácia",
    "score.f1": "F1",
    "score.f1_label_1": "F1 (rótulo 1)",
    "score.precision": "precisão",
    "score.recall": "revocação",
    "request.json": "corpo em JSON",
    "request.label": "com a coluna do rótulo",
    "bias.facet": "grupo",
    "bias.metric": "métrica",
    "read.CI": "CI = {value}: o grupo ({facet}) é {size}, com {share} das linhas.",
    "read.CI.smaller": "o menor",
    "read.CI.larger": "o maior",
    "read.DPL": "DPL = {value}: nos dados, {q_a} dos demais e {q_d} do grupo têm o rótulo "
    "favorável ({label} = {favourable}): o grupo o recebe {how}.",
    "read.CDDL": "CDDL = {value}: dentro de cada subgrupo de {group}, o grupo tem {how}.",
    "read.CDDL.more": "uma parcela maior dos rótulos desfavoráveis do que dos favoráveis",
    "read.CDDL.less": "uma parcela maior dos rótulos favoráveis do que dos desfavoráveis",
    "read.CDDL.same": "mais ou menos a mesma parcela de ambos",
    "read.DPPL": "DPPL = {value}: o modelo prevê o rótulo favorável para {q_a} dos demais e "
    "{q_d} do grupo; a DPL era {dpl}, então a diferença do modelo é {how} dos dados.",
    "read.DPPL.same": "mais ou menos igual à",
    "read.DPPL.larger": "maior que a",
    "read.DPPL.smaller": "menor que a",
    "read.DI": "DI = {value}: o grupo recebe a previsão favorável numa taxa de {value} vezes a "
    "dos demais ({rule}).",
    "read.DI.low": "abaixo de 0,8, o sinal de alerta usual: o grupo a recebe menos",
    "read.DI.high": "acima de 1,25, isto é, 1/0,8: o grupo a recebe mais, o sinal de alerta lido "
    "ao contrário",
    "read.DI.fair": "entre 0,8 e 1,25, a faixa usual de paridade",
    "read.AD": "AD = {value}: a acurácia dos demais menos a do grupo; a acurácia do modelo é "
    "{level} para o grupo.",
    "read.RD": "RD = {value}: entre as pessoas cujo rótulo verdadeiro é o favorável, o modelo "
    "reconhece {how} do grupo (a revocação dele para elas é {level}).",
    "read.often_less": "com menos frequência",
    "read.often_more": "com mais frequência",
    "read.often_same": "com a mesma frequência, mais ou menos",
    "read.a_smaller": "uma parcela menor",
    "read.a_larger": "uma parcela maior",
    "read.the_same": "mais ou menos a mesma parcela",
    "read.lower": "menor",
    "read.higher": "maior",
    "read.equal": "mais ou menos a mesma",
    "shap.ranking": "Maiores valores SHAP globais: {top}; menores: {bottom}; {feature}: {value} "
    "({rank}º de {count}).",
    "shap.first": "{first} vem em primeiro, {times} vezes o segundo ({second}).",
}

TABLES = {"en": ENGLISH, "pt_BR": PORTUGUESE}


def say(key: str, **values: Any) -> str:
    """The text of `key` in the notebook's language, with `values` filled in."""
    return TABLES[language()][key].format(**values)


def number(value: float, decimals: int = 4) -> str:
    """A number as the notebook's language writes it: 7,839.5 in English, 7.839,5 in
    Portuguese."""
    text = f"{value:,.{decimals}f}"
    if language() == "pt_BR":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(share: float) -> str:
    """A share (0.68) as a percentage in the notebook's language: 68 % / 68%."""
    return f"{share * 100:.0f} %" if language() == "en" else f"{share * 100:.0f}%"


def template(key: str) -> str:
    """The text of `key` with its `{fields}` left to fill (for code that formats it later)."""
    return TABLES[language()][key]
