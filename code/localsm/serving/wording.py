"""What a local model server answers a request it refuses, in the local service's language
(`LOCALSM_LANGUAGE`, localsm/language.py; the lab sets it to the notebook's). English when
unset, as every other message of the service: SageMaker's own containers answer in English.
One table per language, the same keys, `str.format` templates."""

from __future__ import annotations

from typing import Any

from localsm.language import service_language

ENGLISH = {
    "content_type": "Content type {kind} is not supported by the built-in XGBoost algorithm. "
    "Send text/csv (features only, no label column), text/libsvm or "
    "application/x-recordio-protobuf (with the SDK: serializer=CSVSerializer()).",
    "empty": "The request body is empty: send one or more rows of features.",
    "empty_rows": "The request body is empty: send one or more rows.",
    "feature_count": "Each row has {values} values but the model was trained on {features} "
    "features: send the {features} feature values of each row, in training order.",
    "label_included": " Leave the label column out.",
    "not_utf8": "The request body is not UTF-8 text (byte {offset}).",
    "ragged": "Row {row} has {values} values but the first row has {width}: every row needs "
    "the same number of features.",
    "no_rows": "The CSV body holds no rows.",
    "not_a_number": "Row {row}, column {column}: {cell!r} is not a number. The built-in "
    "algorithm reads numbers only: encode text features as numbers and send no header row.",
    "infinite": "Row {row}, column {column}: {cell!r} is infinite; send finite numbers (or "
    "leave the cell empty)",
    "libsvm_token": "Row {row}: {token!r} is not <index>:<value> with an integer index and a "
    "number",
    "not_recordio": "The body is not RecordIO-protobuf: {error}",
    "no_records": "The RecordIO body holds no records.",
    "output_objective": "SAGEMAKER_INFERENCE_OUTPUT is not available for objective "
    "{objective}; remove it from the model's environment",
    "output_keys": "SAGEMAKER_INFERENCE_OUTPUT keys {wrong} do not apply to {objective}; "
    "choose from {valid}",
    "accept": "Accept type {accept} is not supported; ask for one of {types}",
    "accept_script": "Accept type {accept} is not supported",
    "too_large": "The request body is {size} bytes; the limit is {limit} bytes (6 MiB). "
    "Send fewer rows per request, or score a whole file with a batch transform job.",
}

PORTUGUESE = {
    "content_type": "O tipo de conteúdo {kind} não é aceito pelo algoritmo XGBoost integrado. "
    "Envie text/csv (só os atributos, sem a coluna do rótulo), text/libsvm ou "
    "application/x-recordio-protobuf (com o SDK: serializer=CSVSerializer()).",
    "empty": "O corpo da requisição está vazio: envie uma ou mais linhas de atributos.",
    "empty_rows": "O corpo da requisição está vazio: envie uma ou mais linhas.",
    "feature_count": "Cada linha tem {values} valores, mas o modelo foi treinado com "
    "{features} atributos: envie os {features} valores de atributos de cada linha, na ordem "
    "do treinamento.",
    "label_included": " Deixe a coluna do rótulo de fora.",
    "not_utf8": "O corpo da requisição não é texto UTF-8 (byte {offset}).",
    "ragged": "A linha {row} tem {values} valores, mas a primeira linha tem {width}: todas as "
    "linhas precisam do mesmo número de atributos.",
    "no_rows": "O corpo CSV não tem nenhuma linha.",
    "not_a_number": "Linha {row}, coluna {column}: {cell!r} não é um número. O algoritmo "
    "integrado lê só números: codifique os atributos de texto como números e não envie linha "
    "de cabeçalho.",
    "infinite": "Linha {row}, coluna {column}: {cell!r} é infinito; envie números finitos (ou "
    "deixe a célula vazia)",
    "libsvm_token": "Linha {row}: {token!r} não é <índice>:<valor> com um índice inteiro e um "
    "número",
    "not_recordio": "O corpo não é RecordIO-protobuf: {error}",
    "no_records": "O corpo RecordIO não tem nenhum registro.",
    "output_objective": "SAGEMAKER_INFERENCE_OUTPUT não existe para o objetivo {objective}; "
    "remova-o do ambiente do modelo",
    "output_keys": "As chaves {wrong} de SAGEMAKER_INFERENCE_OUTPUT não se aplicam a "
    "{objective}; escolha entre {valid}",
    "accept": "O tipo Accept {accept} não é aceito; peça um destes: {types}",
    "accept_script": "O tipo Accept {accept} não é aceito",
    "too_large": "O corpo da requisição tem {size} bytes; o limite é {limit} bytes (6 MiB). "
    "Envie menos linhas por requisição, ou pontue um arquivo inteiro com um job de "
    "transformação em lote.",
}

TABLES = {"en": ENGLISH, "pt_BR": PORTUGUESE}


def message(key: str, **values: Any) -> str:
    """The answer `key` in the service's language, with `values` filled in."""
    return TABLES[service_language()][key].format(**values)


def grouped(count: int) -> str:
    """A whole number with its thousands grouped: 6,291,456 in English, 6.291.456 in
    Portuguese."""
    text = f"{count:,}"
    return text.replace(",", ".") if service_language() == "pt_BR" else text
