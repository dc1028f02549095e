"""The training log as a learner reads it: every line but most per-round metric lines."""

from __future__ import annotations

from localsm.roundlog import RoundCondenser


def condensed(lines: list[str], **kwargs) -> tuple[list[str], RoundCondenser]:
    shown: list[str] = []
    condenser = RoundCondenser(shown.append, **kwargs)
    for line in lines:
        condenser.feed(line)
    condenser.end_of_rounds()
    return shown, condenser


def rounds(n: int) -> list[str]:
    return [f"[{i}]\ttrain-logloss:0.5\tvalidation-logloss:0.6" for i in range(n)]


def test_first_rounds_every_hundredth_and_the_last_are_shown():
    shown, condenser = condensed(["Training 800 rounds", *rounds(800), "Model saved"])
    assert shown[0] == "Training 800 rounds" and shown[-1] == "Model saved"
    kept = [line.split("]")[0] + "]" for line in shown if line.startswith("[")]
    assert kept == ["[0]", "[1]", "[2]", *[f"[{i}]" for i in range(100, 800, 100)], "[799]"]
    assert shown[4] == "  ... 97 rounds not shown ..."  # rounds 3 to 99
    assert condenser.hidden == 800 - len(kept) and condenser.lines == 802
    assert len(shown) < 30


def test_a_short_log_is_shown_whole():
    lines = ["start", *rounds(3), "end"]
    shown, condenser = condensed(lines)
    assert shown == lines and condenser.hidden == 0


def test_the_last_round_of_each_run_is_shown():
    shown, _ = condensed([*rounds(10), "fold 1 done", *rounds(10)], first=1, every=100)
    assert shown == [
        "[0]\ttrain-logloss:0.5\tvalidation-logloss:0.6",
        "  ... 8 rounds not shown ...",
        "[9]\ttrain-logloss:0.5\tvalidation-logloss:0.6",
        "fold 1 done",
        "  ... 9 rounds not shown ...",
        "[9]\ttrain-logloss:0.5\tvalidation-logloss:0.6",
    ]
