"""The training report in Brazilian Portuguese, and with the real names of header-less features.

The Portuguese table must have every key (every variant) of the English one with the same
placeholders; a report shown with `language="pt_BR"` has no English section title left, on
the HTML page (`<html lang="pt-BR">`) as in the notebook view. `feature_names` replaces f0, f1,
... wherever the report names a feature; a list of the wrong length is refused.
"""

from __future__ import annotations

import copy
import pickle
import re
import string

import numpy as np
import pytest
from test_xgboost_report_jobs import job_root

import xgboost_report as xr
from xgboost_report import page
from xgboost_report.wording import ENGLISH, LANGUAGES, Note, Words, language_code
from xgboost_report.wording_pt_br import PORTUGUESE

# Words a Portuguese text may share with its English one: names and symbols.
NAMES = {"AUC", "F1", "ROC", "RMSE", "MAE", "R²", "XGBoost", "TP", "FN", "FP", "TN"}
# European Portuguese where Brazilian Portuguese says arquivo, tela, equipe, usuário, registro.
PT_PT = ("ficheiro", "ecrã", "equipa", "utilizador", "registo", "guardar")
# English section titles and page words that a Portuguese page must not show.
ENGLISH_HEADINGS = (
    "XGBoost Training Report",
    "Created on",
    "Contents",
    "Distribution of true labels",
    "Loss and metrics per iteration",
    "Feature importance",
    "Confusion matrix",
    "Evaluation of the confusion matrix",
    "Accuracy of each class over iterations",
    "Distribution of predicted probabilities",
    "Classification report",
    "Rows per label",
    "evaluated on",
)
PORTUGUESE_HEADINGS = (
    "Relatório de treinamento do XGBoost",
    "Criado em",
    "Sumário",
    "Distribuição dos rótulos verdadeiros",
    "Perda e métricas por iteração",
    "Importância dos atributos",
    "Matriz de confusão",
    "Avaliação da matriz de confusão",
    "Acurácia de cada classe ao longo das iterações",
    "Curva ROC",
    "Distribuição das probabilidades previstas",
    "Relatório de classificação",
    "Linhas por rótulo",
)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def words(text: str) -> list[str]:
    """The words of a text, without its {placeholders} and <tags>."""
    return re.findall(r"[^\W\d_]+", re.sub(r"<[^>]*>|\{[^}]*\}", " ", text))


def visible(html: str) -> str:
    """A page without its scripts (BokehJS and the plots' JSON)."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL)


def feature_names(bundled) -> list[str]:
    """The lab's feature names: the header of a *_wheaders.csv without the label (income)."""
    header = bundled["test_wheaders"].read_text().splitlines()[0].split(",")
    assert header[0] == "income" and len(header) == 14
    return header[1:]


# ============================================================================ the tables


def test_portuguese_has_every_english_key_with_the_same_placeholders():
    assert LANGUAGES["pt_BR"] is PORTUGUESE and LANGUAGES["en"] is ENGLISH
    assert set(PORTUGUESE) == set(ENGLISH)
    for part, english in ENGLISH.items():
        portuguese = PORTUGUESE[part]
        assert set(portuguese) == set(english), (part, set(portuguese) ^ set(english))
        for key, text in english.items():
            assert placeholders(portuguese[key]) == placeholders(text), (part, key)


def test_portuguese_texts_are_translated_into_brazilian_portuguese():
    for part, english in ENGLISH.items():
        for key, text in english.items():
            shown = PORTUGUESE[part][key]
            if shown == text:  # only names, symbols and number formats may stay the same
                assert set(words(shown)) <= NAMES, (part, key, shown)
            lowered = shown.lower()
            assert not [w for w in PT_PT if w in lowered], (part, key, shown)


def test_language_codes():
    for code in ("pt_BR", "pt-BR", "pt_br", "pt", "PT-br"):
        assert language_code(code) == "pt_BR"
    assert language_code("en") == "en"
    with pytest.raises(ValueError, match=r"'fr'.*'en'.*'pt_BR'.*'pt-BR', 'pt_br' and 'pt'"):
        language_code("fr")
    with pytest.raises(ValueError, match="unknown report language"):
        Words("page", language="de")


def test_numbers_in_portuguese_texts_have_a_decimal_comma():
    say = Words("classification-report", language="pt-BR")
    text = say("accuracy", accuracy=0.85123, percent=85.123, rows=7839)
    assert text == "Acurácia: <b>0,8512</b> (85,1 % de 7.839 linhas)"
    assert Words("confusion-matrix", language="pt")("how").count("limiar 0,5 ") == 1
    assert Words("page", language="pt_BR").number(7839, ",") == "7.839"
    english = Words("classification-report")("accuracy", accuracy=0.85123, percent=85.1, rows=7839)
    assert english == "Accuracy: <b>0.8512</b> (85.1 % of 7,839 rows)"


def test_notes_are_worded_again_in_another_language():
    note = Note("evaluated_on", data=Note("validation_data"), rows=7839)
    assert note == "evaluated on the validation data (7,839 rows)"
    assert note.in_language("pt") == "modelo avaliado com os dados de validação (7.839 linhas)"
    for same in (copy.deepcopy(note), pickle.loads(pickle.dumps(note))):
        assert same == note and same.in_language("pt_BR") == note.in_language("pt_BR")


# ============================================================================ the report


def test_html_page_in_portuguese(report, tmp_path):
    html = report.to_html(tmp_path / "pt.html", language="pt_BR").read_text(encoding="utf-8")
    assert '<html lang="pt-BR">' in html
    shown = visible(html)
    for heading in PORTUGUESE_HEADINGS:
        assert heading in shown, heading
    for heading in ENGLISH_HEADINGS:
        assert heading not in shown, heading
    for section in ("report-title", "contents", *xr.SECTIONS):  # the anchors stay the same
        assert f'id="{section}"' in html, section
    assert f"<b>{report.auc:.4f}</b>".replace(".", ",") in shown  # AUC: <b>0,8xxx</b>
    assert "<th>precisão</th>" in shown and "<th>verdadeiro 1</th>" in shown
    english = report.to_html(tmp_path / "en.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english
    for heading in ENGLISH_HEADINGS:  # what the Portuguese page must not show is there in English
        assert heading in visible(english), heading
    assert report.language == "en"  # showing it in Portuguese left the report as it was


def test_report_built_in_portuguese(lab_model, lab_data, report):
    booster, history = lab_model
    built = xr.build_report(
        booster, lab_data["x_val"], lab_data["y_val"], history=history, language="pt"
    )
    assert built.language == "pt_BR" and built.title == "Relatório de treinamento do XGBoost"
    assert built.notes == ["modelo avaliado com os dados de validação (7.839 linhas)"]
    assert [s.title for s in built.displays()][:3] == [
        "Distribuição dos rótulos verdadeiros",
        "Perda e métricas por iteração",
        "Importância dos atributos",
    ]
    assert built.summary() == report.summary()  # the numbers do not depend on the language
    assert built.shown_as("en").text() == report.text()  # worded back: the English report
    unlabelled = xr.build_report(
        booster, lab_data["x_val"][:50], None, history=history, language="pt_BR"
    )
    assert all("não têm rótulos" in why for why in unlabelled.skipped.values())
    with pytest.raises(ValueError, match="unknown report language 'xx'"):
        xr.build_report(booster, lab_data["x_val"][:5], None, language="xx")


def test_notebook_view_in_portuguese(report, monkeypatch):
    """`show` in a (stand-in) kernel: every heading, caption and table label in Portuguese."""
    import IPython
    import IPython.display

    shown: list = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": True})())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    report.show(language="pt_BR")
    html = "\n".join(item.data for item in shown if isinstance(item, IPython.display.HTML))
    for heading in PORTUGUESE_HEADINGS[:-1]:  # no table captions in the header
        assert heading in html, heading
    for heading in ENGLISH_HEADINGS:
        assert heading not in html, heading
    frames = [item for item in shown if hasattr(item, "columns")]
    labels = {str(label) for frame in frames for label in [*frame.columns, *frame.index]}
    assert {"precisão", "suporte", "média macro", "linhas", "ganho", "significado"} <= labels
    assert not labels & {"precision", "support", "macro avg", "rows", "gain", "meaning"}
    assert sum(isinstance(item, IPython.display.Image) for item in shown) == 7


def test_report_of_a_training_job_in_portuguese(lab_model, bundled, tmp_path):
    booster, _ = lab_model
    root = job_root(tmp_path, booster, bundled, channels=("train",))
    names = feature_names(bundled)
    out = xr.report_from_training_job(root, tmp_path / "out", language="pt-BR", feature_names=names)
    html = visible(out.read_text(encoding="utf-8"))
    assert "o job não tinha canal de validação" in html
    assert "modelo avaliado com o canal train" in html
    assert "nenhum histórico de avaliação em" in html and "<th>capital_gain</th>" in html


# ============================================================================ feature names


def test_feature_names_replace_f0_f1(lab_model, bundled, report, tmp_path):
    booster, _ = lab_model
    booster.save_model(tmp_path / "model.json")
    names = feature_names(bundled)
    built = xr.report_from_artifact(
        tmp_path / "model.json", bundled["validation"], feature_names=names
    )
    assert built.feature_names == names and list(built.importance["gain"]) == names
    html = built.to_html(tmp_path / "named.html").read_text(encoding="utf-8")
    assert "<th>capital_gain</th>" in html and '"capital_gain"' in html  # table and figure
    assert not re.search(r'<th>f\d+</th>|"f\d+"', html)  # no f0 ... f12 left anywhere
    # The same names given when showing a report built without them.
    again = report.to_html(tmp_path / "again.html", feature_names=names).read_text()
    assert "<th>capital_gain</th>" in again and "<th>f8</th>" not in again
    assert report.feature_names[8] == "f8"  # the report itself keeps its names
    shown = report.shown_as(feature_names=names)
    assert names[8] == "capital_gain"
    assert shown.tables()["feature_importance"].loc["capital_gain"].tolist() == (
        report.tables()["feature_importance"].loc["f8"].tolist()
    )


def test_a_wrong_number_of_feature_names_is_refused(lab_model, lab_data, bundled, report):
    booster, _ = lab_model
    names = feature_names(bundled)
    x, y = lab_data["x_val"][:20], lab_data["y_val"][:20]
    with pytest.raises(ValueError, match=r"12 feature names were given, but the model has 13"):
        xr.build_report(booster, x, y, feature_names=names[:12])
    with pytest.raises(xr.ReportError, match=r"14 feature names .* 13 features"):
        report.to_html("unused.html", feature_names=["income", *names])
    with pytest.raises(xr.ReportError, match="age given more than once"):
        xr.build_report(booster, x, y, feature_names=["age", *names[:11], "age"])
    with pytest.raises(xr.ReportError, match="not one string"):
        xr.build_report(booster, x, y, feature_names=",".join(names))


def test_features_only_csv_in_portuguese(lab_model, tmp_path, bundled):
    """A CSV of features only (no labels, no header): the notes and the header say so in
    Portuguese, and the importance table names the features."""
    booster, _ = lab_model
    booster.save_model(tmp_path / "model.json")
    csv = tmp_path / "features.csv"
    np.savetxt(csv, np.loadtxt(bundled["validation"], delimiter=",")[:40, 1:], delimiter=",")
    built = xr.report_from_artifact(
        tmp_path / "model.json", csv, feature_names=feature_names(bundled), language="pt"
    )
    assert any("lido como atributos sem rótulos" in note for note in built.notes)
    header = page._header_html(built.header(), built.displays())
    assert "Linhas avaliadas</th><td>40 (sem rótulos)" in header
    [importance] = [s for s in built.displays() if s.id == "feature-importance"]
    assert "capital_gain" in importance.tables()[0].frame.index
