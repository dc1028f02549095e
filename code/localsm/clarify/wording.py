"""Every word of the report, in English and Brazilian Portuguese.

`d` is the sensitive group (the facet's values or the rows above its threshold), `a` every
other row; q = share of positive labels, q' = share of positive predicted labels. Every
metric is computed as "a minus d" (or d over a for DI), as smclarify does.
"""

from __future__ import annotations

from localsm.language import LANGUAGES  # noqa: F401 - the languages these tables cover

SDK_DEFAULT_TITLE = "Analysis Report"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "default_title": "Analysis Report",
        "intro": "This report was computed on this computer by the local emulation of a "
        "SageMaker Clarify processing job, from the same analysis config the SDK "
        "sends to SageMaker. The numbers are also in analysis.json.",
        "dataset": "Dataset: {rows} rows and {columns} columns. Label: {label}; positive "
        "value(s): {values}.",
        "dataset_plain": "Dataset: {rows} rows and {columns} columns.",
        "notation": "Notation: d is the sensitive group, a all the other rows; q is the share "
        "of positive labels, q' the share of positive predicted labels.",
        "pre_heading": "Pre-training bias metrics",
        "pre_text": "These metrics look at the data alone, before any model: do the labels "
        "treat the sensitive group differently from the rest?",
        "post_heading": "Post-training bias metrics",
        "post_text": "These metrics compare the model's predicted labels for the sensitive "
        "group with those for the rest.",
        "post_threshold": "Predicted label: {above} when the model's score is above "
        "{threshold}, else {below}.",
        "post_given": "Predicted labels: the column {column} of the dataset.",
        "post_served": "Predictions: {rows} rows scored by the model {model} in {seconds} s.",
        "facet_categorical": "Facet {facet}: sensitive group {facet} = {value} ({n_d} rows) "
        "against the other {n_a} rows.",
        "facet_continuous": "Facet {facet}: sensitive group {facet} in {value} ({n_d} rows) "
        "against the other {n_a} rows.",
        "col_metric": "Metric",
        "col_description": "Description",
        "col_value": "Value",
        "col_meaning": "What it measures",
        "not_computed": "not computed: {error}",
        "shap_heading": "Global importance (SHAP)",
        "shap_text": "How much each feature moves the model's prediction, over all {rows} rows "
        "of the dataset; output explained: {label}.",
        "shap_method": "Method: Kernel SHAP against the baseline. For each row, coalitions of "
        "features are scored by the model, the features left out taking the baseline rows' "
        "values; a weighted least-squares fit with the Shapley kernel, constrained to add up "
        "to the row's output minus the base value, gives one value per feature.",
        "shap_samples_exact": "Coalitions per row: all {samples} (2^M - 2, M = {features} "
        "features that differ from the baseline): the values are the exact Shapley values.",
        "shap_samples": "Coalitions per row: {samples} (num_samples) of the {total} possible "
        "(2^M - 2, M = {features}), seed {seed}: an estimate that comes closer to the exact "
        "Shapley values as num_samples grows.",
        "source_endpoint": "Predictions: from the shadow endpoint.",
        "source_model": "Predictions: from the model loaded in the job, after it gave the "
        "shadow endpoint's answers for the first rows and the baseline.",
        "space_log-odds": "Values in log-odds (use_logit is true): the logit of each "
        "coalition's mean model output.",
        "space_output": "Values in the units of the model's output (use_logit is false; the "
        "probability for a binary:logistic model).",
        "agg_mean_abs": "Global value of a feature: the mean of its absolute SHAP values.",
        "agg_median": "Global value of a feature: the median of its SHAP values.",
        "agg_mean_sq": "Global value of a feature: the mean of its squared SHAP values.",
        "expected": "Base value (expected_value): {value}, the model's mean output on the "
        "baseline rows (its logit when use_logit is true). The values of a row add up to the "
        "row's output minus this base value.",
        "baseline": "Baseline: {rows} row(s) given in the analysis config; also in "
        "explanations_shap/baseline.csv.",
        "baseline_built": "Baseline: none was given, so {rows} row(s) were built as k-means "
        "centres of the dataset (num_clusters; without it, the number from 2 to 12 with the "
        "best silhouette score); saved in explanations_shap/baseline.csv.",
        "local_saved": "Local SHAP values (one row per data row): explanations_shap/out.csv.",
        "col_feature": "Feature",
        "col_importance": "Global SHAP value",
        "chart_title": "Global SHAP values ({agg})",
        "chart_alt": "Bar chart of the global SHAP value of each feature",
        "agg_short_mean_abs": "mean |SHAP|",
        "agg_short_median": "median SHAP",
        "agg_short_mean_sq": "mean SHAP²",
        "footer": "Made by localsm.clarify, a local stand-in for the SageMaker Clarify "
        "container; {when}.",
    },
    "pt_BR": {
        "default_title": "Relatório de análise",
        "intro": "Este relatório foi calculado neste computador pela emulação local de um job "
        "de processamento do SageMaker Clarify, a partir da mesma configuração de "
        "análise que o SDK envia ao SageMaker. Os números também estão em "
        "analysis.json.",
        "dataset": "Conjunto de dados: {rows} linhas e {columns} colunas. Rótulo: {label}; "
        "valor(es) positivo(s): {values}.",
        "dataset_plain": "Conjunto de dados: {rows} linhas e {columns} colunas.",
        "notation": "Notação: d é o grupo sensível, a são todas as outras linhas; q é a "
        "proporção de rótulos positivos, q' a proporção de rótulos previstos "
        "positivos.",
        "pre_heading": "Métricas de viés pré-treinamento",
        "pre_text": "Estas métricas olham só para os dados, antes de qualquer modelo: os "
        "rótulos tratam o grupo sensível de forma diferente do restante?",
        "post_heading": "Métricas de viés pós-treinamento",
        "post_text": "Estas métricas comparam os rótulos previstos pelo modelo para o grupo "
        "sensível com os previstos para o restante.",
        "post_threshold": "Rótulo previsto: {above} quando a pontuação do modelo passa de "
        "{threshold}; senão, {below}.",
        "post_given": "Rótulos previstos: a coluna {column} do conjunto de dados.",
        "post_served": "Previsões: {rows} linhas pontuadas pelo modelo {model} em {seconds} s.",
        "facet_categorical": "Faceta {facet}: grupo sensível {facet} = {value} ({n_d} linhas) "
        "contra as outras {n_a} linhas.",
        "facet_continuous": "Faceta {facet}: grupo sensível {facet} em {value} ({n_d} linhas) "
        "contra as outras {n_a} linhas.",
        "col_metric": "Métrica",
        "col_description": "Descrição",
        "col_value": "Valor",
        "col_meaning": "O que mede",
        "not_computed": "não calculada: {error}",
        "shap_heading": "Importância global (SHAP)",
        "shap_text": "Quanto cada variável move a previsão do modelo, nas {rows} linhas do "
        "conjunto de dados; saída explicada: {label}.",
        "shap_method": "Método: Kernel SHAP contra a linha de base. Para cada linha, o modelo "
        "pontua coalizões de variáveis, e as variáveis de fora recebem os valores das linhas "
        "da linha de base; um ajuste por mínimos quadrados ponderados com o kernel de Shapley, "
        "restrito a somar a saída da linha menos o valor base, dá um valor por variável.",
        "shap_samples_exact": "Coalizões por linha: todas as {samples} (2^M - 2, M = "
        "{features} variáveis que diferem da linha de base): os valores são os valores de "
        "Shapley exatos.",
        "shap_samples": "Coalizões por linha: {samples} (num_samples) das {total} possíveis "
        "(2^M - 2, M = {features}), semente {seed}: uma estimativa, que se aproxima dos "
        "valores de Shapley exatos quando num_samples cresce.",
        "source_endpoint": "Previsões: do endpoint sombra.",
        "source_model": "Previsões: do modelo carregado no job, depois de ele dar as mesmas "
        "respostas do endpoint sombra para as primeiras linhas e para a linha de base.",
        "space_log-odds": "Valores em log-odds (use_logit verdadeiro): o logit da saída média "
        "do modelo em cada coalizão.",
        "space_output": "Valores nas unidades da saída do modelo (use_logit falso; a "
        "probabilidade, para um modelo binary:logistic).",
        "agg_mean_abs": "Valor global de uma variável: a média dos valores SHAP absolutos.",
        "agg_median": "Valor global de uma variável: a mediana dos valores SHAP.",
        "agg_mean_sq": "Valor global de uma variável: a média dos valores SHAP ao quadrado.",
        "expected": "Valor base (expected_value): {value}, a saída média do modelo nas linhas "
        "da linha de base (o seu logit, com use_logit verdadeiro). Os valores de uma linha "
        "somam a saída dessa linha menos este valor base.",
        "baseline": "Linha de base: {rows} linha(s) dada(s) na configuração de análise; também "
        "em explanations_shap/baseline.csv.",
        "baseline_built": "Linha de base: nenhuma foi dada, então {rows} linha(s) foram "
        "montadas como centros k-means do conjunto de dados (num_clusters; sem ele, o número "
        "de 2 a 12 com a melhor pontuação de silhueta); salvas em "
        "explanations_shap/baseline.csv.",
        "local_saved": "Valores SHAP locais (uma linha por linha de dados): "
        "explanations_shap/out.csv.",
        "col_feature": "Variável",
        "col_importance": "Valor SHAP global",
        "chart_title": "Valores SHAP globais ({agg})",
        "chart_alt": "Gráfico de barras do valor SHAP global de cada variável",
        "agg_short_mean_abs": "média de |SHAP|",
        "agg_short_median": "mediana do SHAP",
        "agg_short_mean_sq": "média de SHAP²",
        "footer": "Gerado por localsm.clarify, um substituto local do contêiner do SageMaker "
        "Clarify; {when}.",
    },
}

# One line per metric: what it measures, in plain words (d: sensitive group, a: the rest).
METRICS: dict[str, dict[str, str]] = {
    "en": {
        "CI": "(n_a - n_d) / (n_a + n_d): how much smaller the sensitive group is (0: same size).",
        "DPL": "q_a - q_d: share of positive labels in the rest minus in the sensitive group.",
        "KL": "Kullback-Leibler divergence between the label distributions of a and d (0: equal).",
        "JS": "Jensen-Shannon divergence: a symmetric, bounded KL between the two label "
        "distributions.",
        "LP": "Euclidean (L2) distance between the label distributions of a and d.",
        "TVD": "Half the L1 distance between the label distributions of a and d.",
        "KS": "Largest gap between the label distributions of a and d.",
        "CDDL": "Demographic disparity of the labels within each subgroup of group_variable, "
        "averaged by subgroup size.",
        "DPPL": "q'_a - q'_d: share of positive predictions in the rest minus in the sensitive "
        "group.",
        "DI": "q'_d / q'_a: ratio of the positive prediction shares (1: parity).",
        "DCA": "Observed positives over predicted positives, a minus d.",
        "DCR": "Observed negatives over predicted negatives, a minus d.",
        "RD": "Recall (true positive rate), a minus d.",
        "SD": "Specificity (true negative rate), a minus d.",
        "DAR": "Precision (true positives among predicted positives), a minus d.",
        "DRR": "True negatives among predicted negatives, a minus d.",
        "AD": "Accuracy, a minus d.",
        "CDDPL": "Demographic disparity of the predicted labels within each subgroup of "
        "group_variable, averaged by subgroup size.",
        "TE": "False negatives over false positives, d minus a.",
        "FT": "Flip test: share of d whose prediction would change if they were judged like "
        "their nearest neighbours in a.",
        "GE": "Generalized entropy (alpha 2) of the benefit predicted minus true label plus 1: "
        "inequality of outcomes.",
    },
    "pt_BR": {
        "CI": "(n_a - n_d) / (n_a + n_d): quanto o grupo sensível é menor (0: mesmo tamanho).",
        "DPL": "q_a - q_d: proporção de rótulos positivos no restante menos no grupo sensível.",
        "KL": "Divergência de Kullback-Leibler entre as distribuições de rótulos de a e d "
        "(0: iguais).",
        "JS": "Divergência de Jensen-Shannon: uma KL simétrica e limitada entre as duas "
        "distribuições de rótulos.",
        "LP": "Distância euclidiana (L2) entre as distribuições de rótulos de a e d.",
        "TVD": "Metade da distância L1 entre as distribuições de rótulos de a e d.",
        "KS": "Maior diferença entre as distribuições de rótulos de a e d.",
        "CDDL": "Disparidade demográfica dos rótulos dentro de cada subgrupo de "
        "group_variable, com média ponderada pelo tamanho do subgrupo.",
        "DPPL": "q'_a - q'_d: proporção de previsões positivas no restante menos no grupo "
        "sensível.",
        "DI": "q'_d / q'_a: razão entre as proporções de previsões positivas (1: paridade).",
        "DCA": "Positivos observados sobre positivos previstos, a menos d.",
        "DCR": "Negativos observados sobre negativos previstos, a menos d.",
        "RD": "Revocação (taxa de verdadeiros positivos), a menos d.",
        "SD": "Especificidade (taxa de verdadeiros negativos), a menos d.",
        "DAR": "Precisão (verdadeiros positivos entre os previstos positivos), a menos d.",
        "DRR": "Verdadeiros negativos entre os previstos negativos, a menos d.",
        "AD": "Acurácia, a menos d.",
        "CDDPL": "Disparidade demográfica dos rótulos previstos dentro de cada subgrupo de "
        "group_variable, com média ponderada pelo tamanho do subgrupo.",
        "TE": "Falsos negativos sobre falsos positivos, d menos a.",
        "FT": "Teste de inversão: fração de d cuja previsão mudaria se fossem julgados como "
        "seus vizinhos mais próximos em a.",
        "GE": "Entropia generalizada (alfa 2) do benefício rótulo previsto menos verdadeiro "
        "mais 1: desigualdade dos resultados.",
    },
}


def words(lang: str) -> dict[str, str]:
    return TEXTS[lang]


def metric_meaning(lang: str, name: str) -> str:
    return METRICS[lang].get(name, "")


def number(value: object, lang: str, digits: int = 4) -> str:
    """A value for a table: 4 decimals, a decimal comma in Portuguese; text stays text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return count(value, lang)
    text = f"{value:,.{digits}f}"
    return _swap(text) if lang == "pt_BR" else text


def plain(value: float, lang: str) -> str:
    """A number as written in the config (0.5), with a decimal comma in Portuguese."""
    return _swap(str(value)) if lang == "pt_BR" else str(value)


def count(value: int, lang: str) -> str:
    """7,839 in English, 7.839 in Portuguese."""
    text = f"{value:,}"
    return _swap(text) if lang == "pt_BR" else text


def _swap(text: str) -> str:
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
