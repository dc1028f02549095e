"""Warm kernels for `make lab`: each notebook's kernel is forked from a process that has
imported what the notebooks import already, instead of importing it all again.

A notebook's kernel spends 4-5 CPU-seconds before its cells do any work: starting IPython and
importing the SageMaker SDK, pandas, XGBoost, scikit-learn, Matplotlib, boto3 and moto (each
notebook of `make lab` does it again, 16 times on 2 cores). Local mode's warm runner
(`localsm/warm/`) already forks the local jobs from one process that imported their modules
once; here a second runner of that kind imports the kernels' modules, and the kernel command
`make lab` runs is the runner's `python3` shim, so that `python3 -m ipykernel_launcher -f
CONNECTION_FILE` becomes a forked child of it (its own session, this run's environment and
folder, signals passed on, ended if its launcher is killed: see `localsm/warm/launcher.py`).

Nothing else about a run changes: each notebook still has a kernel of its own, started
fresh, and runs every cell, imports included (they find their modules loaded). The kernel
spec is given to Jupyter through `JUPYTER_PATH` for this process only, under the usual name
`python3`. Not used by `--refresh`, whose outputs nbval compares with a plain kernel's, nor
where the warm runner is off (not Linux, or `LOCALSM_WARM=0`): the kernels then start the
usual way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

from localsm.warm import client as warm

# What every notebook's kernel imports (ipykernel's own start-up included). Matplotlib reads
# MPLBACKEND once, as it is imported: the runner gets the value ipykernel gives its kernels.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
                  "ipykernel_launcher", "IPython", "matplotlib.pyplot", "pandas", "numpy",
                  "xgboost", "sklearn.metrics", "bokeh.plotting", "bokeh.embed", "boto3",
                  "moto.s3", "moto.moto_server.werkzeug_app", "werkzeug.serving", "optuna",
                  "psutil", "tqdm", "smclarify.bias.metrics")  # fmt: skip
SDK_MODULES = {
    2: ("sagemaker", "sagemaker.local", "sagemaker.estimator", "sagemaker.xgboost",
        "sagemaker.tuner", "sagemaker.analytics", "sagemaker.debugger", "sagemaker.clarify",
        "sagemaker.serializers", "sagemaker.deserializers", "sagemaker.s3"),
    3: ("sagemaker.core", "sagemaker.core.resources", "sagemaker.core.shapes",
        "sagemaker.core.helper.session_helper", "sagemaker.core.clarify", "sagemaker.train",
        "sagemaker.train.configs", "sagemaker.train.tuner"),
}  # fmt: skip
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # ipykernel's kernelapp.py
KERNEL_NAME = "python3"


@contextmanager
def warm_kernels(sdk: int) -> Iterator[bool]:
    """While open, kernels named `python3` that Jupyter starts in this process are forked
    from a runner that imported `sdk`'s modules; yields False (plain kernels) when the
    runner is off or failed to start."""
    if not warm.enabled():
        yield False
        return
    try:
        runner = warm.WarmRunner(
            preload=KERNEL_MODULES + SDK_MODULES[sdk],
            env={"MPLBACKEND": os.environ.get("MPLBACKEND") or INLINE_BACKEND},
        )
    except OSError:  # no temporary folder or process to be had: plain kernels, as the jobs do
        yield False
        return
    before = os.environ.get("JUPYTER_PATH")
    try:
        if not runner.ready():
            yield False
            return
        spec = runner.folder / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        shim = str(runner.shim_folder / "python3")
        # ipykernel reads its parent's pid (JPY_PARENT_PID, set by the kernel's launcher: this
        # process) when it is imported, which here is before any kernel starts: given here
        parent = f"--IPKernelApp.parent_handle={os.getpid()}"
        argv = [shim, "-m", "ipykernel_launcher", "-f", "{connection_file}", parent]
        kernel = {"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python",
                  "metadata": {"debugger": True}}  # fmt: skip
        (spec / "kernel.json").write_text(json.dumps(kernel))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(runner.folder), before]))
        yield True
    finally:
        if before is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = before
        runner.close()
