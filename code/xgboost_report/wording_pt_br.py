"""Every word of the report in Brazilian Portuguese: the same keys as `wording.ENGLISH`.

The terms are the course notebooks' (rótulo, atributo, rodada de boosting, acurácia, precisão,
revocação, limiar, importância dos atributos, ganho...). The numbers the templates format get a
decimal comma (`Words` swaps the separators), so `{auc:.4f}` reads 0,9123 here.
"""

from __future__ import annotations

from .catalogue import catalogue

REASONS = {
    "no_labels": "os dados não têm rótulos (só colunas de atributos), então não há valores "
    "verdadeiros com que comparar as previsões; passe os dados de validação com rótulos para ver "
    "esta seção",
    "classification_only": "não se aplica a um modelo {objective} (só classificação)",
    "binary_only": "não se aplica a um modelo {objective} (só classificação binária)",
    "not_for_objective": "não se aplica a um modelo {objective}",
}

PAGE = {
    "title": "Relatório de treinamento do XGBoost",
    "objective": "Objetivo",
    "rounds": "Rodadas de boosting no modelo",
    "features": "Atributos",
    "rows": "Linhas avaliadas",
    "no_labels": " (sem rótulos)",
    "xgboost": "XGBoost",
    "created": "Criado em {created:%d/%m/%Y %H:%M:%S} UTC",
    "notes": "Observações",
    "sections_skipped": "Seções omitidas",
    "contents": "Sumário",
    "skipped_mark": "(omitida)",
    "skipped": "Omitida:",
    "headline.auc": "AUC",
    "headline.accuracy": "acurácia",
    "headline.f1_label_1": "F1, rótulo 1",
    "headline.f1_label_0": "F1, rótulo 0",
    "headline.f1_macro": "F1, média macro",
    "headline.rmse": "RMSE",
    "headline.mae": "MAE",
    "headline.r2": "R²",
    "footer": "Gerado localmente por code/xgboost_report/ a partir do modelo, dos dados "
    "avaliados e do histórico de avaliação; a regra CreateXgboostReport do SageMaker Debugger "
    "produz as mesmas seções a partir dos tensores que ela salva.",
    "text.note": "observação: {note}",
    "text.skipped": "seção {section} omitida: {reason}",
}

LABEL_DISTRIBUTION = {
    "title": "Distribuição dos rótulos verdadeiros",
    "how": "Quantas linhas dos dados avaliados têm cada rótulo. Quando uma classe domina, a "
    "acurácia sozinha faz o modelo parecer melhor do que é: prever sempre a classe majoritária "
    "já acerta a fração dela. Olhe a revocação e o F1 de cada classe, mais abaixo.",
    "how.regression": "Um histograma dos valores do rótulo nos dados avaliados. Compare-o com os "
    "resíduos mais abaixo: em geral o modelo erra mais onde os rótulos são raros.",
    "figure": "Linhas por rótulo verdadeiro",
    "figure.regression": "Histograma dos rótulos",
    "x": "rótulo verdadeiro",
    "x.regression": "rótulo",
    "y": "linhas",
    "hover.label": "rótulo",
    "hover.rows": "linhas",
    "hover.share": "fração",
    "table": "Linhas por rótulo",
    "share": "{share:.1f} %",
}

LOSS = {
    "title": "Perda e métricas por iteração",
    "how": "As métricas de avaliação que o XGBoost calculou depois de cada rodada de boosting, "
    "nos dados de treino e de validação. As duas curvas devem cair (ou, no caso da AUC, subir) e "
    "depois se estabilizar. Uma curva de validação que volta a subir enquanto a de treino "
    "continua melhorando indica sobreajuste (overfitting): menos rodadas, um eta menor ou a "
    "parada antecipada (early stopping) ajudariam.",
    "figure": "{metric} por rodada de boosting",
    "legend": "{data} (último valor {value:.5f})",
    "x": "rodada de boosting",
    "hover.data": "dados",
    "hover.round": "rodada",
    "best": "A linha tracejada marca a melhor iteração ({best}), escolhida pela parada "
    "antecipada (early stopping).",
    "missing": "nenhum histórico de avaliação por iteração foi fornecido{note}: passe history= "
    "(o dicionário evals_result do xgb.train, ou um eval_history.json)",
}

FEATURE_IMPORTANCE = {
    "title": "Importância dos atributos",
    "how": "Três visões de como as árvores usam cada atributo, cada uma em frações que somam 1 "
    "entre todos os atributos. O peso (weight) conta as divisões feitas em um atributo; o ganho "
    "(gain) é a redução média da perda que essas divisões trazem; a cobertura (cover) é o número "
    "médio de linhas que elas alcançam. Em geral o ganho é o mais revelador. A importância "
    "mostra em que o modelo se apoia, não relações de causa e efeito, e atributos "
    "correlacionados a dividem entre si.",
    "figure": "Importância dos atributos",
    "panel": "por {kind}",
    "x": "fração",
    "hover.feature": "atributo",
    "hover.share": "fração",
    "table": "Importância por atributo (valores brutos do XGBoost)",
    "missing": "o XGBoost não fornece a importância dos atributos deste modelo",
    "kind.weight": "peso",
    "kind.gain": "ganho",
    "kind.cover": "cobertura",
}

CONFUSION_MATRIX = {
    "title": "Matriz de confusão",
    "how": "As linhas da matriz são os rótulos verdadeiros; as colunas, os previstos (limiar "
    "{threshold} na probabilidade prevista; o rótulo {positive} é a classe positiva). A diagonal "
    "traz as previsões corretas: verdadeiros positivos (TP) e verdadeiros negativos (TN). Falsos "
    "negativos (FN) são linhas positivas que o modelo deixou passar; falsos positivos (FP) são "
    "linhas negativas que ele apontou como positivas. A cor mostra a fração que cada célula "
    "representa na sua linha da matriz.",
    "figure": "Matriz de confusão (linhas: rótulo verdadeiro)",
    "figure.static": "Matriz de confusão",
    "x": "rótulo previsto",
    "y": "rótulo verdadeiro",
    "hover.true": "verdadeiro",
    "hover.predicted": "previsto",
    "hover.rows": "linhas",
    "hover.rate": "fração da linha",
    "table": "Linhas por célula",
    "table.cells": "As quatro células",
    "row": "verdadeiro {label}",
    "column": "previsto {label}",
    "count": "{rows:,}",
    "share": "({share:.1f} %)",
    "meaning.TP": "verdadeiro positivo: rótulo 1, previsto 1",
    "meaning.FN": "falso negativo: rótulo 1, previsto 0",
    "meaning.FP": "falso positivo: rótulo 0, previsto 1",
    "meaning.TN": "verdadeiro negativo: rótulo 0, previsto 0",
}

CLASSIFICATION_REPORT = {
    "title": "Avaliação da matriz de confusão",
    "title.regression": "Avaliação das previsões",
    "how": "Por classe: precisão = TP / (TP + FP), a fração das linhas previstas como da classe "
    "que realmente pertencem a ela; revocação (recall) = TP / (TP + FN), a fração da classe que o "
    "modelo encontra; o F1, média harmônica dos dois, só é alto quando ambos são; o suporte "
    "(support) é o número de linhas da classe. A acurácia é a fração de todas as linhas "
    "previstas corretamente. A média macro dá o mesmo peso a todas as classes; a média ponderada "
    "pesa cada classe pelo seu suporte.",
    "how.regression": "Medidas de erro nos dados avaliados: RMSE e MAE estão na unidade do "
    "rótulo (quanto menor, melhor; o RMSE pesa mais os erros grandes); R² é a fração da variância "
    "do rótulo que o modelo explica (1 é perfeito, 0 não é melhor do que prever a média).",
    "accuracy": "Acurácia: <b>{accuracy:.4f}</b> ({percent:.1f} % de {rows:,} linhas)",
    "table": "Relatório de classificação",
    "table.regression": "Medidas de erro",
}

CLASS_ACCURACY = {
    "title": "Acurácia de cada classe ao longo das iterações",
    "title.regression": "Erro absoluto por faixa de rótulo ao longo das iterações",
    "how": "Para cada classe verdadeira, a fração das suas linhas prevista corretamente (a "
    "diagonal da matriz de confusão dividida pela sua linha) quando o modelo usa só as suas N "
    "primeiras rodadas de boosting; a linha tracejada é a acurácia geral. Curvas que se "
    "estabilizam cedo indicam que as rodadas seguintes acrescentam pouco para aquela classe.",
    "how.regression": "O erro absoluto médio, com as linhas agrupadas pelo tamanho do rótulo, "
    "recalculado com as N primeiras rodadas de boosting do modelo. Mostra quais faixas de rótulo "
    "as últimas rodadas ainda melhoram e quais elas deixam para trás.",
    "figure": "Fração de cada classe verdadeira prevista corretamente",
    "figure.regression": "Erro absoluto médio por faixa de rótulo",
    "legend": "rótulo {name}",
    "overall": "todas as linhas",
    "x": "rodadas de boosting usadas",
    "y": "acurácia",
    "y.regression": "erro absoluto médio",
    "missing": "o XGBoost não consegue prever com só uma parte deste modelo: {problem}",
    "range": "{low:.4g} a {high:.4g}",
}

ROC_CURVE = {
    "title": "Curva ROC",
    "how": "A taxa de verdadeiros positivos (a revocação do rótulo 1) contra a taxa de falsos "
    "positivos, para cada limiar possível na probabilidade prevista; o ponto marca o limiar "
    "{threshold}. A área sob a curva (AUC) é a chance de uma linha positiva sorteada receber uma "
    "pontuação maior que uma linha negativa sorteada: 0,5 é um chute, 1 é perfeito. Ela não "
    "depende do limiar.",
    "figure": "Curva ROC, AUC = {auc:.4f}",
    "figure.static": "Curva ROC",
    "model": "modelo (AUC {auc:.4f})",
    "model.static": "modelo (AUC {auc:.3f})",
    "chance": "acaso (AUC 0,5)",
    "point": "limiar {threshold}",
    "x": "taxa de falsos positivos (FP / (FP + TN))",
    "x.static": "taxa de falsos positivos",
    "y": "taxa de verdadeiros positivos (TP / (TP + FN))",
    "y.static": "taxa de verdadeiros positivos",
    "hover.fpr": "taxa de falsos positivos",
    "hover.tpr": "taxa de verdadeiros positivos",
    "hover.threshold": "limiar",
    "auc": "AUC: <b>{auc:.4f}</b>",
    "missing": "os rótulos contêm só a classe {first}: uma curva ROC precisa das duas classes",
}

PREDICTION_DISTRIBUTION = {
    "title": "Distribuição das probabilidades previstas",
    "title.regression": "Distribuição dos resíduos",
    "title.other": "Distribuição das previsões",
    "how": "Histogramas da probabilidade prevista do rótulo {positive}, um por classe verdadeira, "
    "cada um em porcentagem das linhas daquela classe. Um bom modelo empurra as linhas de rótulo "
    "1 para perto de 1 e as de rótulo 0 para perto de 0; a sobreposição em torno do limiar "
    "({threshold}) é onde estão os erros.",
    "how.unlabelled": "Um histograma da probabilidade prevista do rótulo {positive} (sem rótulos).",
    "how.multiclass": "Para cada classe verdadeira, um histograma (em porcentagem das linhas da "
    "classe) da probabilidade que o modelo atribui a essa classe. Massa perto de 1 indica "
    "previsões corretas e confiantes; massa perto de 0 indica que o modelo acredita que a linha "
    "pertence a outra classe.",
    "how.multiclass.unlabelled": "Um histograma da probabilidade da classe prevista (sem rótulos).",
    "how.regression": "Resíduo = rótulo verdadeiro - previsão. O ideal é um histograma estreito "
    "e centrado em 0; um centro deslocado indica que o modelo tem viés, e caudas longas mostram "
    "linhas em que ele erra muito.",
    "how.regression.unlabelled": "Um histograma dos valores previstos (os dados não têm rótulos, "
    "então não há resíduos).",
    "how.other": "Um histograma das previsões brutas do modelo.",
    "what": "probabilidade prevista do rótulo {positive}",
    "what.multiclass": "probabilidade atribuída à classe verdadeira",
    "what.multiclass.unlabelled": "probabilidade da classe prevista",
    "what.regression": "resíduo (rótulo - previsão)",
    "what.regression.unlabelled": "previsão",
    "what.other": "previsão",
    "figure": "Histograma da {what}",
    "figure.regression": "Histograma do {what}",
    "figure.regression.unlabelled": "Histograma da {what}",
    "group": "rótulo verdadeiro {label}",
    "all": "todas as linhas",
    "legend": "{name} ({rows:,} linhas)",
    "y": "linhas",
    "y.shares": "% das linhas da classe",
    "hover.from": "de",
    "hover.to": "até",
    "hover.rows": "linhas",
}

NOTES = {
    "validation_data": "os dados de validação",
    "channel": "o canal {channel}",
    "evaluated_on": "modelo avaliado com {data} ({rows:,} linhas)",
    "sigmoid": "{objective} não produz probabilidades: as pontuações mostradas são a sigmoide da "
    "margem bruta (a ordenação é a mesma, então a curva ROC e a AUC são exatas)",
    "other_objective": "o relatório cobre objetivos binários, multiclasse e de regressão; para "
    "{objective} ele mostra só as curvas de perda, a importância dos atributos e os valores "
    "previstos",
    "names_ignored": "os dados trouxeram {given} nomes de atributos para {count} atributos: "
    "usando f0, f1, ... no lugar deles",
    "importance_unavailable": "a importância dos atributos do tipo {kind} não está disponível: "
    "{problem}",
    "no_validation_channel": "o job não tinha canal de validação: o relatório avalia o modelo nos "
    "próprios dados de treinamento, então as pontuações são otimistas (adicione um canal de "
    "validação)",
    "libsvm_files": "{count} arquivo(s) LibSVM lido(s) de {path}",
    "features_only": "{source} tem {columns} colunas, tantas quanto os atributos do modelo: lido "
    "como atributos sem rótulos",
    "history_missing": "nenhum histórico de avaliação em {path}",
    "history_not_in_archive": "{path} não contém {name}",
    "history_unreadable": "{path}: arquivo compactado ilegível ({problem})",
    "history_not_json": "{path}: não é um histórico de avaliação em JSON ({problem})",
    "history_not_object": "o histórico de avaliação não é um objeto JSON",
    "history_empty": "o histórico de avaliação não contém métricas por rodada",
}

TABLES = {
    "label": "rótulo",
    "rows": "linhas",
    "share (%)": "fração (%)",
    "cell": "célula",
    "meaning": "significado",
    "% of all rows": "% de todas as linhas",
    "% of its true class": "% da sua classe verdadeira",
    "precision": "precisão",
    "recall": "revocação",
    "f1-score": "F1",
    "support": "suporte",
    "accuracy": "acurácia",
    "macro avg": "média macro",
    "micro avg": "média micro",
    "weighted avg": "média ponderada",
    "metric": "métrica",
    "value": "valor",
    "weight": "peso",
    "gain": "ganho",
    "cover": "cobertura",
}

PORTUGUESE = catalogue(globals())
