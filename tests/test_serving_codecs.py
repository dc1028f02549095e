"""The model server without any process: the built-in algorithm's codecs (`codecs.py`), its
handler (`handlers.py`) and the WSGI app (`app.py`). End to end: test_serving.py."""

from __future__ import annotations

import io
import json
import string
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from werkzeug.test import Client

from localsm.language import VARIABLE as SERVICE_LANGUAGE
from localsm.quiet import no_metadata_probe
from localsm.serving import codecs, wording
from localsm.serving.app import InferenceApp
from localsm.serving.codecs import InferenceError
from localsm.serving.handlers import BuiltinHandler, StartupError

# ------------------------------------------------------------------ codecs (no process)


def test_csv_decodes_commas_tabs_crlf_and_blank_lines():
    assert codecs.decode_csv("1,2,3\n4,5,6\n").tolist() == [[1, 2, 3], [4, 5, 6]]
    assert codecs.decode_csv("1\t2\t3").tolist() == [[1, 2, 3]]
    assert codecs.decode_csv("\n1,2,3\r\n\r\n4,5,6\r\n").tolist() == [[1, 2, 3], [4, 5, 6]]
    assert codecs.decode_csv("1.5e3,-2,0").tolist() == [[1500, -2, 0]]


def test_csv_empty_and_na_cells_are_missing_values():
    """As in the XGBoost container (an empty cell is NaN), whatever the spelling."""
    rows = codecs.decode_csv("1,,3\n4,NA,nan\n7,8,\n")
    assert rows.shape == (3, 3)
    assert np.isnan(rows).tolist() == [
        [False, True, False],
        [False, True, True],
        [False, False, True],
    ]
    assert rows[2, 1] == 8


@pytest.mark.parametrize(
    "text, status, fragments",
    [  # 415: the XGBoost image cannot parse these (algorithm_mode/serve.py, invocations)
        ("1,2,3\n4,abc,6\n", 415, ["Row 2, column 2", "'abc' is not a number"]),
        ("1,2,3\n4,5\n", 415, ["Row 2 has 2 values", "the first row has 3"]),
        ("1,inf,3\n", 400, ["Row 1, column 2", "infinite"]),
        ("age,workclass\n1,2\n", 415, ["Row 1, column 1", "'age'", "no header row"]),
    ],
)
def test_csv_errors_name_row_and_column(text, status, fragments):
    with pytest.raises(InferenceError) as caught:
        codecs.decode_csv(text)
    assert caught.value.status == status
    for fragment in fragments:
        assert fragment in caught.value.message


def test_decode_checks_the_feature_count_and_empty_bodies():
    with pytest.raises(InferenceError) as caught:
        codecs.decode(b"0,1,2,3\n", codecs.CSV, 3)
    assert caught.value.status == 400
    assert "4 values" in caught.value.message and "3 features" in caught.value.message
    assert "Leave the label column out" in caught.value.message
    with pytest.raises(InferenceError, match="2 values") as caught:
        codecs.decode(b"1,2\n", codecs.CSV, 3)
    assert "label" not in caught.value.message
    for body in (b"", b" \n\n"):
        with pytest.raises(InferenceError, match="empty") as caught:
            codecs.decode(body, codecs.CSV, 3)
        assert caught.value.status == 400
    with pytest.raises(InferenceError, match="not UTF-8"):
        codecs.decode(b"\xff\xfe1,2", codecs.CSV, 2)


def test_libsvm_decodes_sparse_rows_and_names_a_bad_token():
    rows = codecs.decode_libsvm("0 0:1.5 2:3\n\n1 1:2\n", 4)
    assert rows.shape == (2, 4)  # the model's width, whatever the rows name
    np.testing.assert_array_equal(rows, [[1.5, np.nan, 3, np.nan], [np.nan, 2, np.nan, np.nan]])
    assert codecs.decode(b"1:7\n", codecs.LIBSVM, 3).tolist()[0][1] == 7  # no label: fine
    with pytest.raises(InferenceError, match=r"Row 2: 'x:1' is not <index>:<value>"):
        codecs.decode_libsvm("0 0:1\n1 x:1\n", 3)


def test_recordio_protobuf_is_read_with_the_sdks_own_format():
    no_metadata_probe()  # importing the SDK alone (one xdist worker) must stay offline
    from sagemaker.serializer_utils import write_numpy_to_dense_tensor

    matrix = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]])
    buffer = io.BytesIO()
    write_numpy_to_dense_tensor(buffer, matrix)
    np.testing.assert_array_equal(codecs.decode(buffer.getvalue(), codecs.RECORDIO, 3), matrix)
    with pytest.raises(InferenceError, match="RecordIO") as caught:
        codecs.decode(b"not recordio", codecs.RECORDIO, 3)
    assert caught.value.status == 415  # unparsable: 415, as the image answers


def test_request_and_accept_types():
    assert codecs.request_type("text/csv; charset=utf-8") == codecs.CSV
    assert codecs.request_type("text/x-libsvm") == codecs.LIBSVM
    assert codecs.request_type(None) == codecs.CSV
    with pytest.raises(InferenceError) as caught:
        codecs.request_type("application/json")
    assert caught.value.status == 415
    assert "application/json" in caught.value.message and "text/csv" in caught.value.message
    assert codecs.media_type("*/*", codecs.JSON) == codecs.JSON
    assert codecs.media_type("Application/JSON; q=1", codecs.CSV) == codecs.JSON


def test_encode_csv_json_and_jsonlines():
    p = np.array([0.25, 0.75], dtype=np.float32)
    assert codecs.encode(p, codecs.CSV, "binary:logistic", None, False) == b"0.25\n0.75\n"
    assert json.loads(codecs.encode(p, codecs.JSON, "binary:logistic", None, False)) == {
        "predictions": [{"score": 0.25}, {"score": 0.75}]
    }
    lines = codecs.encode(p, codecs.JSONLINES, "binary:logistic", None, False).decode()
    assert [json.loads(line) for line in lines.splitlines()] == [{"score": 0.25}, {"score": 0.75}]
    multi = np.array([[0.1, 0.9], [0.6, 0.4]], dtype=np.float64)
    assert codecs.encode(multi, codecs.CSV, "multi:softprob", None, False) == b"0.1,0.9\n0.6,0.4\n"


def test_selected_outputs_for_binary_logistic():
    p = np.array([0.25, 0.75])
    keys = ["predicted_label", "probability", "probabilities", "labels", "raw_score"]
    rows = codecs.select(p, "binary:logistic", keys)
    assert rows == [
        {
            "predicted_label": 0,
            "probability": 0.25,
            "probabilities": [0.75, 0.25],
            "labels": [0, 1],
            "raw_score": 0.25,
        },
        {
            "predicted_label": 1,
            "probability": 0.75,
            "probabilities": [0.25, 0.75],
            "labels": [0, 1],
            "raw_score": 0.75,
        },
    ]
    body = codecs.encode(p, codecs.JSON, "binary:logistic", ["predicted_label", "probability"], 0)
    assert json.loads(body) == {
        "predictions": [
            {"predicted_label": 0, "probability": 0.25},
            {"predicted_label": 1, "probability": 0.75},
        ]
    }
    csv = codecs.encode(p, codecs.CSV, "binary:logistic", ["predicted_label", "probabilities"], 0)
    assert csv == b'0,"[0.75, 0.25]"\n1,"[0.25, 0.75]"\n'
    with pytest.raises(InferenceError, match="probability.*do not apply to binary:hinge"):
        codecs.select(p, "binary:hinge", ["probability"])
    with pytest.raises(InferenceError, match="not available for objective reg:squarederror"):
        codecs.select(p, "reg:squarederror", ["predicted_label"])


# ------------------------------------------------------------------ handler and app (in process)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """A tiny binary:logistic model saved as the built-in algorithm saves it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    booster = xgb.train(
        {"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(x, (x[:, 0] > 0).astype(int)), 5
    )
    folder = tmp_path_factory.mktemp("model")
    booster.save_model(str(folder / "xgboost-model.json"))
    return folder


def test_builtin_handler_in_process(model_dir):
    handler = BuiltinHandler(model_dir, {})
    assert (handler.objective, handler.num_features) == ("binary:logistic", 3)
    body, kind = handler.invoke(b"1,0,0\n-1,0,0\n", "text/csv", None)
    assert kind == codecs.CSV
    high, low = map(float, body.decode().split())
    assert high > 0.5 > low
    body, kind = handler.invoke(b"0 0:1\n", "text/libsvm", "application/json")
    assert kind == codecs.JSON and len(json.loads(body)["predictions"]) == 1
    with pytest.raises(InferenceError) as caught:
        handler.invoke(b"1,0,0", "text/csv", "application/x-recordio-protobuf")
    assert caught.value.status == 406
    handler = BuiltinHandler(
        model_dir,
        {
            "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/json",
        },
    )
    assert json.loads(handler.invoke(b"1,0,0", "text/csv", None)[0]) == {
        "predictions": [{"predicted_label": 1}]
    }


def test_builtin_handler_refuses_bad_start_up_settings(tmp_path, model_dir):
    with pytest.raises(StartupError, match="ClientError: .*raw_scorez.*choose from"):
        BuiltinHandler(model_dir, {"SAGEMAKER_INFERENCE_OUTPUT": "raw_scorez"})
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(StartupError, match="holds no XGBoost model"):
        BuiltinHandler(tmp_path, {})


def test_inference_app_routes_limits_and_errors(model_dir):
    class Broken:
        def invoke(self, body, content_type, accept):
            raise RuntimeError("boom")

    app = Client(InferenceApp(BuiltinHandler(model_dir, {}), max_bytes=100))
    assert app.get("/ping").status_code == 200
    assert app.get("/execution-parameters").get_json() == {
        "MaxConcurrentTransforms": 1,
        "BatchStrategy": "MULTI_RECORD",
        "MaxPayloadInMB": 0,
    }
    assert app.get("/invocations").status_code == 404
    answer = app.post("/invocations", data=b"1,0,0", content_type="text/csv")
    assert answer.status_code == 200 and answer.content_type == "text/csv"
    answer = app.post("/invocations", data=b"1,0,0\n" * 20, content_type="text/csv")
    assert answer.status_code == 413 and "120 bytes; the limit is 100" in answer.text
    answer = app.post("/invocations", data=b"{}", content_type="application/json")
    assert answer.status_code == 415
    answer = Client(InferenceApp(Broken())).post("/invocations", data=b"1")
    assert answer.status_code == 500 and "RuntimeError: boom" in answer.text


# ------------------------------------------------------------------ the answers' language


def test_refusals_are_worded_in_the_local_services_language(monkeypatch, model_dir):
    """`LOCALSM_LANGUAGE=pt_BR` (the lab sets it for a Portuguese notebook): Portuguese;
    unset: English, as SageMaker's containers answer."""
    monkeypatch.setenv(SERVICE_LANGUAGE, "pt_BR")
    with pytest.raises(InferenceError) as caught:
        codecs.decode(b"0,1,2,3\n", codecs.CSV, 3)
    assert caught.value.message == (
        "Cada linha tem 4 valores, mas o modelo foi treinado com 3 atributos: envie os 3 "
        "valores de atributos de cada linha, na ordem do treinamento. Deixe a coluna do rótulo "
        "de fora."
    )
    with pytest.raises(InferenceError, match="não é aceito pelo algoritmo XGBoost integrado"):
        codecs.request_type("application/json")
    with pytest.raises(InferenceError, match=r"^Linha 2, coluna 2: 'abc' não é um número\."):
        codecs.decode_csv("1,2,3\n4,abc,6\n")
    app = Client(InferenceApp(BuiltinHandler(model_dir, {}), max_bytes=1000))
    answer = app.post("/invocations", data=b"1,0,0\n" * 200, content_type="text/csv")
    assert answer.status_code == 413 and "tem 1.200 bytes; o limite é 1.000" in answer.text
    monkeypatch.delenv(SERVICE_LANGUAGE)
    with pytest.raises(InferenceError, match="^Content type application/json is not supported"):
        codecs.request_type("application/json")


def test_both_languages_word_every_refusal_with_the_same_fields():
    def fields(text: str) -> list[str]:
        return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)

    assert wording.ENGLISH.keys() == wording.PORTUGUESE.keys()
    for key, english in wording.ENGLISH.items():
        assert fields(english) == fields(wording.PORTUGUESE[key]), key
