"""CPUs from the process's affinity and cgroup quota (`localsm/cpus.py`), with fake cgroup
files. Formats: the Linux kernel's Documentation/admin-guide/cgroup-v2.rst (`cpu.max`:
"$MAX $PERIOD", "max" for no limit) and Documentation/scheduler/sched-bwc.rst (cgroup v1
`cpu.cfs_quota_us`, -1 for no limit, and `cpu.cfs_period_us`); `/proc/self/cgroup` lines are
"hierarchy-ID:controller-list:cgroup-path" (man 7 cgroups), "0::path" for v2.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from localsm import cpus


@pytest.fixture
def eight_cpus(monkeypatch):
    """A process allowed on 8 CPUs of a 64-CPU machine."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# (/proc/self/cgroup, the cgroup files, the quota in CPUs, the CPUs a process gets)
QUOTAS = {
    "v2-in-a-container": ("0::/\n", {"cpu.max": "200000 100000\n"}, 2.0, 2),
    "v2-tightest-of-the-cgroup-and-its-parents": (
        "0::/kubepods/pod1/c1\n",
        {
            "kubepods/cpu.max": "max 100000\n",
            "kubepods/pod1/cpu.max": "150000 100000\n",
            "kubepods/pod1/c1/cpu.max": "max 100000\n",
        },
        1.5,
        2,  # 1.5 rounds up
    ),
    "v1": (
        "2:cpu,cpuacct:/docker/abc\n1:memory:/docker/abc\n",
        {"cpu,cpuacct/cpu.cfs_quota_us": "300000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"},
        3.0,
        3,
    ),
    "none-leaves-the-affinity": (
        "1:cpu:/\n0::/\n",
        {
            "cpu.max": "max 100000\n",
            "cpu/cpu.cfs_quota_us": "-1\n",
            "cpu/cpu.cfs_period_us": "100000\n",
        },
        None,
        8,  # not 64
    ),
}


@pytest.mark.parametrize(("proc", "files", "limit", "available"), QUOTAS.values(), ids=QUOTAS)
def test_quota(tmp_path, eight_cpus, proc, files, limit, available):
    write(tmp_path / "proc", proc)
    for name, text in files.items():
        write(tmp_path / "cg" / name, text)
    assert cpus.cgroup_cpu_limit(tmp_path / "cg", tmp_path / "proc") == limit
    assert cpus.available_cpus(tmp_path / "cg", tmp_path / "proc") == available


def test_a_quota_above_the_affinity_and_a_tiny_one(tmp_path, eight_cpus):
    write(tmp_path / "proc", "0::/\n")
    write(tmp_path / "cg/cpu.max", "1600000 100000\n")
    assert cpus.available_cpus(tmp_path / "cg", tmp_path / "proc") == 8
    write(tmp_path / "cg/cpu.max", "10000 100000\n")  # 0.1 CPU: still one thread
    assert cpus.available_cpus(tmp_path / "cg", tmp_path / "proc") == 1


def test_without_cgroups_or_affinity(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # macOS, Windows
    monkeypatch.setattr(os, "cpu_count", lambda: 10)
    assert cpus.available_cpus(tmp_path / "none", tmp_path / "no-proc") == 10
    write(tmp_path / "cg/cpu.max", "garbage\n")
    assert cpus.available_cpus(tmp_path / "cg", tmp_path / "no-proc") == 10


def test_every_count_of_cpus_in_the_service_goes_through_it():
    """No module of the service but cpus.py asks for the machine's CPU count."""
    import localsm.tuning

    assert localsm.tuning.available_cpus is cpus.available_cpus
    source = Path(localsm.tuning.__file__).parent
    users = [p for p in source.rglob("*.py") if "os.cpu_count()" in p.read_text()]
    assert [p.name for p in users] == ["cpus.py"]


def test_local_processes_let_idle_openmp_threads_sleep(monkeypatch):
    """Jobs, model servers and Clarify share this machine's cores (on SageMaker each has its
    instance): their OpenMP threads sleep when idle instead of spinning, unless the user chose
    a policy. libgomp reads OMP_WAIT_POLICY when it loads (GCC's libgomp manual, "Environment
    Variables"), so it is set in the environment the process starts with."""
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert cpus.openmp_environment(3) == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "3"}
    assert cpus.openmp_environment() == {"OMP_WAIT_POLICY": "PASSIVE"}
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert cpus.openmp_environment(1)["OMP_WAIT_POLICY"] == "ACTIVE"


@pytest.mark.parametrize(("variable", "threads"), [(None, 8), ("2", 2), ("16", 8), ("0", 8),
                                                   ("x", 8), (" 3 ", 3)])  # fmt: skip
def test_a_jobs_threads_are_capped_by_omp_num_threads(eight_cpus, monkeypatch, variable, threads):
    """OMP_NUM_THREADS (the OpenMP specification's thread-count variable; GCC's libgomp
    manual, "Environment Variables") set where the service runs caps each local job's threads
    as it caps the kernel's own; a value that is not a positive count is ignored."""
    monkeypatch.setattr(cpus, "cgroup_cpu_limit", lambda *a: None)
    if variable is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", variable)
    assert cpus.job_threads() == threads


def test_training_processing_and_tuning_jobs_take_their_threads_from_it():
    import localsm.client
    import localsm.processing.api
    import localsm.tuning

    for module in (localsm.client, localsm.processing.api, localsm.tuning):
        assert module.job_threads is cpus.job_threads
