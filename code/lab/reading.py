"""Task 4: the numbers of a Clarify analysis read out as sentences in the notebook's language,
built from the values themselves, so that what a learner reads always matches the tables."""

from __future__ import annotations

from typing import Any

from lab.words import number, percent, say

NEAR = 0.01  # a difference smaller than this reads as "about the same"


def _sign(value: float, negative: str, positive: str, zero: str) -> str:
    """The word for a value's sign (`zero` within NEAR of 0)."""
    if abs(value) < NEAR:
        return zero
    return positive if value > 0 else negative


def _metrics(analysis: dict[str, Any], stage: str) -> tuple[str, dict[str, float]]:
    """The first facet's name (`sex_Female = 1`) and its metrics of one stage, by name."""
    section = analysis[f"{stage}_training_bias_metrics"]
    facet, groups = next(iter(section["facets"].items()))
    group = groups[0]
    values = {m["name"]: m.get("value") for m in group["metrics"]}
    return f"{facet} = {group['value_or_threshold']}", values


def _label_shares(analysis: dict[str, Any], data: Any) -> tuple[float, float]:
    """q_a and q_d: the share of the favourable label among the others and within the facet."""
    section = analysis["pre_training_bias_metrics"]
    facet, groups = next(iter(section["facets"].items()))
    favourable = float(section["label_value_or_threshold"])
    in_facet = data[facet].astype(float) == float(groups[0]["value_or_threshold"])
    favoured = data[section["label"]].astype(float) == favourable
    return float(favoured[~in_facet].mean()), float(favoured[in_facet].mean())


def read_bias(analysis: dict[str, Any], stage: str, data: Any = None, group: str = "") -> None:
    """Print what the main metrics of one stage ("pre": CI, DPL, CDDL; "post": DPPL, DI, AD,
    RD) say, one sentence each. `data`: the analysed rows with the label (for DPL's shares);
    `group`: the column of the conditional metrics (BiasConfig's group_name)."""
    facet, values = _metrics(analysis, stage)
    lines = _read_pre(analysis, facet, values, data, group) if stage == "pre" else []
    if stage == "post":
        lines = _read_post(analysis, values)
    for line in lines:
        print(line)


def _read_pre(analysis, facet, values, data, group) -> list[str]:
    """The sentences of CI, DPL (when `data` is given) and CDDL."""
    ci, dpl, cddl = values["CI"], values["DPL"], values.get("CDDL")
    size = say("read.CI.smaller" if ci > 0 else "read.CI.larger")
    lines = [say("read.CI", value=number(ci), facet=facet, size=size, share=percent((1 - ci) / 2))]
    if data is not None:
        q_a, q_d = _label_shares(analysis, data)
        section = analysis["pre_training_bias_metrics"]
        how = _sign(dpl, say("read.often_more"), say("read.often_less"), say("read.often_same"))
        lines.append(say("read.DPL", value=number(dpl), q_a=percent(q_a), q_d=percent(q_d),
                         label=section["label"], favourable=section["label_value_or_threshold"],
                         how=how))  # fmt: skip
    if cddl is not None:
        how = _sign(cddl, say("read.CDDL.less"), say("read.CDDL.more"), say("read.CDDL.same"))
        lines.append(say("read.CDDL", value=number(cddl), group=group or "group_name", how=how))
    return lines


def _read_post(analysis, values) -> list[str]:
    """The sentences of DPPL (beside the data's DPL), DI, AD and RD."""
    dppl, di, ad, rd = values["DPPL"], values["DI"], values["AD"], values["RD"]
    dpl = _metrics(analysis, "pre")[1]["DPL"] if "pre_training_bias_metrics" in analysis else None
    lines = []
    if dpl is not None and di is not None and abs(1 - di) > 1e-9:
        q_a = dppl / (1 - di)  # from DPPL = q'_a - q'_d and DI = q'_d / q'_a
        gap = abs(dppl) - abs(dpl)
        how = _sign(gap, say("read.DPPL.smaller"), say("read.DPPL.larger"), say("read.DPPL.same"))
        lines.append(say("read.DPPL", value=number(dppl), q_a=percent(q_a),
                         q_d=percent(di * q_a), dpl=number(dpl), how=how))  # fmt: skip
    if di is not None:
        rule = "read.DI.low" if di < 0.8 else "read.DI.high" if di > 1.25 else "read.DI.fair"
        lines.append(say("read.DI", value=number(di, 2), rule=say(rule)))
    level = _sign(ad, say("read.higher"), say("read.lower"), say("read.equal"))
    lines.append(say("read.AD", value=number(ad), level=level))
    how = _sign(rd, say("read.a_larger"), say("read.a_smaller"), say("read.the_same"))
    level = _sign(rd, say("read.higher"), say("read.lower"), say("read.equal"))
    lines.append(say("read.RD", value=number(rd), how=how, level=level))
    return lines


def shap_ranking(importance: Any, feature: str = "sex_Female", shown: int = 4) -> None:
    """Print the largest and smallest global SHAP values, where `feature` ranks, and how far
    ahead the first feature is."""
    names = list(importance.index)
    top = ", ".join(f"{n} ({number(importance[n])})" for n in names[:shown])
    bottom = ", ".join(f"{n} ({number(importance[n])})" for n in names[-2:])
    print(say("shap.ranking", top=top, bottom=bottom, feature=feature,
              value=number(importance[feature]), rank=names.index(feature) + 1,
              count=len(names)))  # fmt: skip
    times = number(importance.iloc[0] / importance.iloc[1], 1)
    print(say("shap.first", first=names[0], times=times, second=names[1]))
