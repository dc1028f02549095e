"""Regenerate the training-report PNGs in aux/ (used by the README).

    .venv/bin/python aux/make_report_images.py [--all] [--html PATH]

Trains XGBoost with the lab's fixed hyperparameters (task 1.3, num_round=800) on the bundled
train split, builds the training report on the validation split, and writes the figures the
README shows (report_confusion_matrix.png, report_roc.png, report_feature_importance.png and
report_loss.png) next to this script; with --all, every section's figure. With --html it also
writes the interactive page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASET = REPO / "dataset"
AUX = REPO / "aux"
README_FIGURES = (
    "report_confusion_matrix.png",
    "report_roc.png",
    "report_feature_importance.png",
    "report_loss.png",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every figure, not only the README's")
    parser.add_argument("--html", type=Path, help="also write the HTML report here")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")  # same numbers on every machine
    sys.path.insert(0, str(REPO / "code"))
    import numpy as np
    import xgboost as xgb

    import lab
    import xgboost_report

    params = {k: v for k, v in lab.LAB_HYPERPARAMETERS.items() if k != "num_round"}
    tables, splits = {}, {}
    for split in ("train", "validation"):
        tables[split] = np.loadtxt(DATASET / f"adult_data_processed_{split}.csv", delimiter=",")
        splits[split] = xgb.DMatrix(tables[split][:, 1:], label=tables[split][:, 0])
    header = (DATASET / "adult_data_processed_validation_wheaders.csv").open().readline()
    names = header.strip().split(",")[1:]  # the label comes first
    history: dict = {}
    booster = xgb.train(
        {**params, "seed": 0, "nthread": int(os.environ["OMP_NUM_THREADS"])},
        splits["train"],
        lab.LAB_HYPERPARAMETERS["num_round"],
        evals=[(splits["train"], "train"), (splits["validation"], "validation")],
        evals_result=history,
        verbose_eval=False,
    )
    report = xgboost_report.build_report(
        booster,
        tables["validation"][:, 1:],
        tables["validation"][:, 0],
        history=history,
        feature_names=names,
    )
    with tempfile.TemporaryDirectory() as folder:
        for made in report.save_pngs(folder):
            if args.all or made.name in README_FIGURES:
                path = Path(shutil.copyfile(made, AUX / made.name))
                print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size // 1024} KiB)")
    if args.html:
        print(f"wrote {report.to_html(args.html)}")
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
