"""The main job: run the lab's notebooks headless in local mode, then print a summary table.

    .venv/bin/python aux/run_notebooks.py [--only NAME ...] [-p name value ...]
    .venv/bin/python aux/run_notebooks.py --python .venv-v3/bin/python  # make lab: 2 lanes
    .venv/bin/python aux/run_notebooks.py --refresh   # re-execute the committed notebooks

`--refresh` is for maintainers: it executes each notebook in place (top to bottom, fresh
kernel, no injected parameters) and strips run-specific metadata, so that the committed
outputs are those of a clean local run; nbval then compares new runs against them.

Each notebook runs with papermill (parameters `mode=local` plus any `-p`) from the notebooks
folder; the executed copies go to `outputs/notebooks/`, the training reports to
`outputs/reports/`. The table lists, per notebook, the validation AUC, accuracy and F1 it
printed, the best tuned AUC (script mode) and the seconds it took. With `--python` the other
SDK environment's notebooks run too, in a second lane beside this one's, each notebook still
alone in its own papermill run and kernel (`notebook_lanes.py`).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
OUTPUTS = REPO / "outputs" / "notebooks"
NAMES = (
    "train_built_in.ipynb",
    "train_built_in_pt_br.ipynb",
    "train_script_mode.ipynb",
    "train_script_mode_pt_br.ipynb",
    "deploy_and_predict.ipynb",  # Task 3
    "deploy_and_predict_pt_br.ipynb",
    "explain_and_bias.ipynb",  # Task 4
    "explain_and_bias_pt_br.ipynb",
)
# The notebooks of this environment's SDK generation: v2 in notebooks/, v3 in notebooks/sdk_v3/.
SDK_FOLDERS = {2: "", 3: "sdk_v3/"}


sys.path.insert(0, str(REPO / "code"))
from lab.language import VARIABLE as LANGUAGE_VARIABLE  # noqa: E402
from lab.language import language_of  # noqa: E402
from lab.modes import sdk_generation  # noqa: E402
from lab.words import ENGLISH, PORTUGUESE  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notebook_lanes as lanes  # noqa: E402
from warm_kernels import warm_kernels  # noqa: E402

ORDER = tuple(
    path
    for path in (SDK_FOLDERS[sdk_generation()] + name for name in NAMES)
    if (NOTEBOOKS / path).is_file()
)
SUMMARY_TAG = "lab-summary"
NUMBER = r"([0-9]*[.,]?[0-9]+)"  # a decimal point, or a Portuguese notebook's comma


def _value(text: str, *names: str) -> float | None:
    """The first `name  0.1234` (or table column) value printed under one of `names`."""
    for name in names:
        match = re.search(rf"^\s*{re.escape(name)}\s+{NUMBER}\s*$", text, re.MULTILINE)
        if match:
            return _float(match.group(1))
    return None


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _names(key: str) -> tuple[str, str]:
    """What the lab prints for `key` (lab.words), in English and in Portuguese."""
    return ENGLISH[key], PORTUGUESE[key]


def summarize(notebook) -> dict[str, float | None]:
    """Read the numbers the notebook printed in its cells tagged `lab-summary`."""
    text = ""
    for cell in notebook.cells:
        if SUMMARY_TAG in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                text += output.get("text", "") + output.get("data", {}).get("text/plain", "")
    row = "|".join(map(re.escape, _names("score.validation")))
    validation = re.search(rf"^(?:{row})\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}", text, re.MULTILINE)
    if validation:  # script mode: the table of scores, one row per split
        auc, accuracy, f1 = (_float(g) for g in validation.groups())
    else:
        auc = _value(text, "auc", *_names("score.auc"))
        accuracy = _value(text, *_names("score.accuracy"))
        f1 = _value(text, "f1", *_names("score.f1_label_1"))
    return {
        "validation AUC": auc,
        "accuracy": accuracy,
        "F1": f1,
        "best tuned AUC": _value(text, *_names("metric.validation:auc")),
    }


# Headless kernels freeze the garbage collector's view of their heap as they exit: the last
# full collection then skips the SDK's objects, and papermill stops waiting 1-2.5 s per
# notebook for the interpreter's teardown (gc.freeze is documented Python; objects alive at
# exit never had their finalizers guaranteed). The notebooks and the learner's kernels are
# untouched: this is a start-up line of the kernels these runs start.
HEADLESS_KERNEL_ARGUMENTS = [
    "--InteractiveShellApp.exec_lines="
    '[\'__import__("atexit").register(__import__("gc").freeze) and None\']'
]


def refresh(names: list[str]) -> None:
    """Execute notebooks in place in a fresh kernel and keep only stable metadata."""
    import nbformat
    from nbclient import NotebookClient

    for name in names:
        path = NOTEBOOKS / name
        print(f"Refreshing {name} ...", flush=True)
        os.environ[LANGUAGE_VARIABLE] = language_of(name)  # the kernel's (see lab/language.py)
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(
            notebook,
            kernel_name="python3",
            extra_arguments=HEADLESS_KERNEL_ARGUMENTS,
            timeout=1200,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        notebook.metadata = {
            "kernelspec": notebook.metadata["kernelspec"],
            "language_info": {"name": "python"},
        }
        for cell in notebook.cells:
            cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags", "translation")}
        nbformat.write(notebook, path)


def parameters_from(pairs: list[list[str]]) -> dict:
    """`-p name value` pairs as papermill parameters (Python literals where they parse)."""
    parameters = {"mode": "local"}
    for name, value in pairs:
        try:
            parameters[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parameters[name] = value
    return parameters


def run_one(name: str, parameters: dict) -> dict:
    """Run one notebook with papermill (its own kernel); its summary numbers and seconds."""
    import papermill

    start = time.perf_counter()
    os.environ[LANGUAGE_VARIABLE] = language_of(name)
    (OUTPUTS / name).parent.mkdir(parents=True, exist_ok=True)
    notebook = papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(OUTPUTS / name),
        parameters=parameters,
        cwd=str((NOTEBOOKS / name).parent),
        kernel_name="python3",
        progress_bar=False,
        extra_arguments=HEADLESS_KERNEL_ARGUMENTS,
    )
    return {"name": name, "numbers": summarize(notebook), "seconds": time.perf_counter() - start}


def run_each(names: list[str], parameters: dict, started: Callable[[str], None]) -> Iterator[dict]:
    """Each notebook in turn in this process (one import of papermill for all), each in its
    own papermill run and kernel: its row, or a failed row with the error's last lines
    (papermill's error names the cell that failed); a failure does not stop the others."""
    for name in names:
        started(name)
        start = time.perf_counter()
        try:
            yield run_one(name, parameters)
        except Exception as error:  # noqa: BLE001 - reported in the row; the next one runs
            tail = "\n".join(f"{type(error).__name__}: {error}".strip().splitlines()[-15:])
            yield lanes.failed_row(name, tail, seconds=time.perf_counter() - start)


def print_table(rows: list[dict], total: float) -> None:
    columns = ["validation AUC", "accuracy", "F1", "best tuned AUC"]
    print(f"\n{'notebook':40}" + "".join(f"{c:>16}" for c in columns) + f"{'seconds':>10}")
    for row in rows:
        numbers = row["numbers"]
        cells = "".join(
            f"{numbers[c]:>16.4f}" if numbers.get(c) is not None else f"{'-':>16}" for c in columns
        )
        print(f"{row['name']:40}{cells}{row['seconds']:>10.1f}")
    print(f"{'total (wall)':40}{'':>64}{total:>10.1f}")
    print(f"\nExecuted notebooks: {OUTPUTS.relative_to(REPO)}/; reports: outputs/reports/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="notebook file names to run")
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("--refresh", action="store_true", help="re-execute notebooks in place")
    lanes.add_arguments(parser)
    args = parser.parse_args()
    if args.refresh:
        refresh(args.only or list(ORDER))
        return 0
    if args.list:
        print("\n".join(ORDER))
        return 0
    parameters = parameters_from(args.p)
    if args.worker:  # a lane's notebooks (notebook_lanes.py): one JSON line per row
        with warm_kernels(sdk_generation()):
            for row in run_each(args.worker, parameters, lanes.announce):
                print(lanes.RESULT + json.dumps(row), flush=True)
        return 0
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.python:
        rows = lanes.run(args, Path(__file__).resolve(), ORDER)
    else:
        rows = []
        with warm_kernels(sdk_generation()):
            for row in run_each(args.only or list(ORDER), parameters, lanes.say_running):
                lanes.say_finished(row)
                rows.append(row)
    print_table(rows, time.perf_counter() - start)
    return 1 if any(row.get("failed") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
