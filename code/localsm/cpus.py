"""How many CPUs this process may use: the fewer of its CPU affinity and its cgroup's quota.

`os.cpu_count()` counts the machine's CPUs: 64 in a container limited to 2, where 64 threads
per job (or 64 parallel tuning jobs) would thrash. Python 3.13's `os.process_cpu_count()`
reads the affinity but not the cgroup quota, which is how Docker, Kubernetes and SageMaker
Studio limit a kernel, so the quota is read here from the cgroup files themselves (v2
`cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`); no kept library reads both.
A fractional quota rounds up (1.5 CPUs -> 2 threads), as the JVM and Go's runtime do.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
V1_CONTROLLERS = ("cpu", "cpu,cpuacct", "cpuacct,cpu")


def available_cpus(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """The CPUs this process may use (at least 1): affinity, capped by the cgroup quota."""
    count = affinity_cpus()
    limit = cgroup_cpu_limit(root, proc_cgroup)
    if limit is not None:
        count = min(count, max(1, math.ceil(limit)))
    return count


def job_threads() -> int:
    """The threads one local job may run: the CPUs this process may use, or fewer where
    `OMP_NUM_THREADS` (the variable OpenMP itself reads) is set in this process's environment:
    it caps the jobs, model servers and Clarify runs local mode starts as it caps the
    kernel's own XGBoost. Parallel tuning jobs share the same CPUs (`tuning.py`)."""
    count = available_cpus()
    limit = os.environ.get("OMP_NUM_THREADS", "").strip()
    return min(count, int(limit)) if limit.isdigit() and int(limit) > 0 else count


def openmp_environment(threads: int | None = None) -> dict[str, str]:
    """OpenMP settings for a process local mode starts (job, model server, Clarify, the jobs'
    launcher): `threads` threads when given, and idle threads that sleep.

    On SageMaker each job has its instance to itself; here jobs, servers and the notebook's
    kernel share the machine's cores. libgomp (XGBoost's OpenMP) lets idle threads spin by
    default, which on shared cores burns the time other processes need: measured on 2 cores,
    three 2-thread cross-validations side by side took 21.4 s (41 CPU-s) spinning and 4.7 s
    (8.2 CPU-s) with `OMP_WAIT_POLICY=PASSIVE`; one beside a busy core 5.6 s against 3.2 s.
    The answers do not change. A policy the user set is kept.
    """
    env = {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY") or "PASSIVE"}
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def affinity_cpus() -> int:
    """The CPUs the scheduler lets this process run on (all of them where unknown)."""
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0)) or 1
        except OSError:
            pass
    return os.cpu_count() or 1


def cgroup_cpu_limit(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The tightest CPU quota (in CPUs) of this process's cgroup and its ancestors; None
    when there is none (no cgroup files, `max`, or a quota of -1)."""
    limits = [_v2_limit(folder / "cpu.max") for folder in _v2_folders(root, proc_cgroup)]
    limits += [_v1_limit(folder) for folder in _v1_folders(root, proc_cgroup)]
    return min((limit for limit in limits if limit is not None), default=None)


def _cgroup_paths(proc_cgroup: Path) -> dict[str, str]:
    """`/proc/self/cgroup` as {controllers: path}; "" is the cgroup v2 (unified) entry."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return {}
    paths = {}
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            paths[parts[1]] = parts[2]
    return paths


def _with_ancestors(base: Path, relative: str) -> list[Path]:
    """`base/relative` and each folder above it up to `base` (a quota applies to children)."""
    folder = base / relative.strip("/")
    folders = [folder, *(p for p in folder.parents if p.is_relative_to(base))]
    return list(dict.fromkeys(folders))


def _v2_folders(root: Path, proc_cgroup: Path) -> list[Path]:
    relative = _cgroup_paths(proc_cgroup).get("")
    return _with_ancestors(root, relative) if relative is not None else [root]


def _v1_folders(root: Path, proc_cgroup: Path) -> list[Path]:
    paths = _cgroup_paths(proc_cgroup)
    folders = []
    for controller in V1_CONTROLLERS:
        base = root / controller
        relative = paths.get(controller, "/")
        # In a container the mount shows the container's own cgroup at its root, while
        # /proc/self/cgroup may still name the host's path: look at both.
        folders += [*_with_ancestors(base, relative), base]
    return list(dict.fromkeys(folders))


def _v2_limit(path: Path) -> float | None:
    """`cpu.max`: "<quota> <period>" in microseconds, or "max <period>" for no limit."""
    try:
        quota, period = path.read_text().split()[:2]
        return int(quota) / int(period) if quota != "max" and int(period) > 0 else None
    except (OSError, ValueError):
        return None


def _v1_limit(folder: Path) -> float | None:
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None
