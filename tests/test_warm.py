"""The warm runner (localsm.warm): a job's process forked from a pre-imported Python must be
the process a new interpreter would have been, end as it would, and leave nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import all_gone
from localsm.training import processes
from localsm.warm import client, wire

pytestmark = pytest.mark.skipif(not client.enabled(), reason="the warm runner is Linux only")

REPORT = """
import json, os, random, sys
import numpy
from threadpoolctl import threadpool_info
openmp = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp"]
print(json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "path": sys.path,
                  "env": os.environ.get("ONLY_HERE"), "home": os.environ.get("HOME"),
                  "executable": sys.executable, "pgid": os.getpgid(0), "pid": os.getpid(),
                  "random": random.random(), "numpy": float(numpy.random.rand()),
                  "openmp": openmp, "numpy_file": numpy.__file__}))
sys.exit(int(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def runner():
    warm = client.runner()
    assert warm is not None and warm.ready(), warm and warm.failure
    return warm


def run_warm(command: list[str], cwd: Path, **env: str) -> tuple[int, str]:
    child = client.popen(command, {"PATH": os.environ["PATH"], **env}, cwd)
    assert child is not None, "the command was not run warm"
    output = child.stdout.read().decode()
    child.stdout.close()
    return child.wait(10), output


def test_a_child_gets_the_jobs_arguments_folder_environment_and_session(runner, tmp_path):
    (tmp_path / "report.py").write_text(REPORT)
    code, output = run_warm([sys.executable, "-u", str(tmp_path / "report.py"), "3"], tmp_path,
                            ONLY_HERE="yes", OMP_NUM_THREADS="1")  # fmt: skip
    assert code == 3
    seen = json.loads(output)
    assert seen["argv"] == [str(tmp_path / "report.py"), "3"]
    assert seen["cwd"] == str(tmp_path) and seen["path"][0] == str(tmp_path)
    assert str(client.CODE_FOLDER) not in seen["path"]  # no PYTHONPATH of the server's
    assert seen["env"] == "yes" and seen["home"] is None  # the job's environment only
    assert seen["pgid"] == seen["pid"]  # its own process group, as start_new_session=True
    assert seen["openmp"] == [1]  # the job's OMP_NUM_THREADS, applied after the fork
    assert seen["pid"] != runner._process.pid


def test_siblings_do_not_share_random_state(runner, tmp_path):
    (tmp_path / "report.py").write_text(REPORT)
    seen = [json.loads(run_warm([sys.executable, str(tmp_path / "report.py"), "0"],
                                tmp_path)[1]) for _ in range(2)]  # fmt: skip
    assert seen[0]["random"] != seen[1]["random"]
    assert seen[0]["numpy"] != seen[1]["numpy"]


def test_a_module_runs_as_main_with_the_folder_first_on_its_path(runner, tmp_path):
    (tmp_path / "entry.py").write_text("import sys\nprint(__name__, sys.path[0])\n")
    code, output = run_warm([sys.executable, "-u", "-m", "entry"], tmp_path)
    assert code == 0 and output.split() == ["__main__", str(tmp_path)]


def test_an_uncaught_error_prints_its_traceback_and_exits_1(runner, tmp_path):
    (tmp_path / "fail.py").write_text("def f():\n    raise ValueError('bad value')\nf()\n")
    code, output = run_warm([sys.executable, "-u", str(tmp_path / "fail.py")], tmp_path)
    assert code == 1
    assert "Traceback" in output and output.strip().endswith("ValueError: bad value")


def test_a_signal_ends_the_child_as_it_ends_a_process(runner, tmp_path):
    (tmp_path / "wait.py").write_text("import time\nprint('up', flush=True)\ntime.sleep(60)\n")
    child = client.popen([sys.executable, "-u", str(tmp_path / "wait.py")], {}, tmp_path)
    assert child.stdout.readline() == b"up\n"
    assert child.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(0.1)
    os.killpg(child.pid, signal.SIGTERM)
    assert child.wait(10) == -signal.SIGTERM
    child.stdout.close()


def test_a_module_of_the_users_named_like_a_loaded_one_gets_a_new_interpreter(runner, tmp_path):
    """A fresh `python` would import the user's numpy.py: so must the job."""
    (tmp_path / "numpy.py").write_text("MINE = True\n")
    (tmp_path / "report.py").write_text(REPORT.replace("numpy.random.rand()", "0.5"))
    code, output = run_warm([sys.executable, str(tmp_path / "report.py"), "0"], tmp_path)
    assert code == 0
    assert json.loads(output)["numpy_file"] == str(tmp_path / "numpy.py")


def test_only_the_interpreters_own_forms_run_warm(runner, tmp_path):
    assert client.popen([sys.executable, "-c", "pass"], {}, tmp_path) is None
    assert client.popen(["/bin/echo", "x.py"], {}, tmp_path) is None
    assert wire.parse_command(["python", "-u", "-m", "pkg.mod", "--x", "1"]) == (
        "module", "pkg.mod", ["--x", "1"])  # fmt: skip
    assert wire.parse_command(["python", "-I", "x.py"]) is None


def shim(runner) -> str:
    return str(runner.shim_folder / "python3")


def test_the_python3_shim_runs_a_script_warm_and_exits_as_it_does(runner, tmp_path):
    """SDK v3's drivers run `python3 <script>` and then `sys.executable <entry script>`."""
    (tmp_path / "report.py").write_text(REPORT)
    done = subprocess.run([shim(runner), str(tmp_path / "report.py"), "4"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30,
                          env={"PATH": os.environ["PATH"], "ONLY_HERE": "v3"})  # fmt: skip
    assert done.returncode == 4, done.stderr
    seen = json.loads(done.stdout)
    assert seen["executable"] == shim(runner) and seen["env"] == "v3"
    version = subprocess.run([shim(runner), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("Python 3.")  # any other form: the real interpreter


def test_killing_the_shim_kills_its_child_and_signals_pass_through(runner, tmp_path):
    marker = tmp_path / "pid"
    (tmp_path / "wait.py").write_text(
        f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    for how in (signal.SIGTERM, signal.SIGKILL):
        marker.unlink(missing_ok=True)
        launcher = subprocess.Popen([shim(runner), str(tmp_path / "wait.py")], cwd=tmp_path)
        pid = wait_for_pid(marker)
        launcher.send_signal(how)
        # SIGTERM is passed on and the shim ends by it; SIGKILL leaves the runner to end it.
        assert launcher.wait(10) == -how
        assert all_gone([pid], 10), f"the warm child outlived its shim ({how!r})"


def test_closing_the_runner_ends_its_children(tmp_path):
    """The lifeline: when the kernel goes, its runner and every child go with it."""
    own = client.WarmRunner()
    try:
        assert own.ready()
        marker = tmp_path / "pid"
        (tmp_path / "wait.py").write_text(
            f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
        )
        child = own.spawn([sys.executable, str(tmp_path / "wait.py")], {}, tmp_path,
                          [0, 1, 2])  # fmt: skip
        pid = wait_for_pid(marker)
        assert child.pid == pid
    finally:
        own.close()
    assert all_gone([pid], 10) and child.wait(5) == -signal.SIGKILL
    assert not own.folder.exists()


def test_at_exit_the_jobs_stop_before_the_runner_goes(monkeypatch):
    """One exit handler, whichever module was imported first: the jobs get their SIGTERM and
    grace period, then the runner goes (killing whatever child is left)."""
    from localsm.training import job

    seen = []

    class Running:
        def stop(self) -> None:
            seen.append("job stopped")

    monkeypatch.setattr(job, "_RUNNING", {Running()})
    monkeypatch.setattr(client, "close_runner", lambda: seen.append("runner closed"))
    job._stop_all()
    assert seen == ["job stopped", "runner closed"]


def wait_for_pid(path: Path) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"{path} was never written")


def test_a_child_and_what_it_forks_carry_the_jobs_marker(runner, tmp_path):
    """The local service finds a job's processes by the marker in /proc/<pid>/environ."""
    marker = tmp_path / "pids"
    (tmp_path / "fork.py").write_text(
        "import os, time\n"
        "if os.fork() == 0:\n    time.sleep(60)\n"
        f"open({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    folder = str(tmp_path / "job-folder")
    env = processes.marker_environment(folder, processes.owner_token())
    child = client.popen([sys.executable, str(tmp_path / "fork.py")], env, tmp_path)
    try:
        pid = wait_for_pid(marker)
        found = processes.marked_processes(processes.JOB_VARIABLE, folder)
        assert pid in {p.pid for p in found} and len(found) == 2
        assert processes.end_job_processes(folder) == 2
        assert child.wait(10) == -signal.SIGKILL
    finally:
        processes.kill_process_group(child.pid)
        child.stdout.close()


KILLED_OWNER = """
import sys
sys.path.insert(0, {code!r})
from localsm.warm import client
warm = client.runner()
print(warm.folder, flush=True)
sys.stdin.read()
"""


def test_a_runner_whose_kernel_is_killed_ends_and_removes_its_folder():
    owner = subprocess.Popen(
        [sys.executable, "-c", KILLED_OWNER.format(code=str(client.CODE_FOLDER))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    folder = Path(owner.stdout.readline().strip())
    assert (folder / "server.sock").exists()
    owner.kill()  # no atexit: the lifeline's end is all the runner sees
    owner.wait()
    deadline = time.monotonic() + 20
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists()


def test_folders_of_runners_gone_without_cleaning_up_are_swept(runner, tmp_path):
    import socket

    dead = tmp_path / f"{client.PREFIX}dead"
    dead.mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gone_server:
        gone_server.bind(str(dead / "server.sock"))  # bound once, nobody listens any more
    starting = tmp_path / f"{client.PREFIX}starting"  # importing: no socket yet
    starting.mkdir()
    live = tmp_path / f"{client.PREFIX}live"
    live.symlink_to(runner.folder, target_is_directory=True)
    assert client.sweep_abandoned(tmp_path) == 1
    assert not dead.exists() and starting.exists() and live.exists()
    assert runner.ready()


def test_a_runner_preloads_more_modules_whatever_they_print(tmp_path):
    """A runner for other processes (aux/warm_kernels.py) names more modules to import; one
    that prints as it loads (SDK v2 prints its deprecation notice) goes to the runner's log,
    not to the ready line the client waits for."""
    (tmp_path / "noisy_module.py").write_text("print('a notice on stdout')\n")
    runner = client.WarmRunner(
        preload=("noisy_module", "no_such_module_here"),
        env={"PYTHONPATH": str(tmp_path)},
    )
    try:
        assert runner.ready(), runner.failure
        assert "a notice on stdout" in runner.log_path.read_text()
        script = tmp_path / "check.py"
        script.write_text("import sys; print('noisy_module' in sys.modules)\n")
        read_end, write_end = os.pipe()
        devnull = os.open(os.devnull, os.O_RDONLY)
        env = {"PATH": os.environ["PATH"]}
        child = runner.spawn([sys.executable, str(script)], env, tmp_path,
                             [devnull, write_end, write_end])  # fmt: skip
        os.close(devnull)
        os.close(write_end)
        with open(read_end, "rb") as out:
            assert out.read().decode().strip() == "True"
        assert child.wait(10) == 0
    finally:
        runner.close()
