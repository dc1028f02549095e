"""Install footprint of the lab's environments: `du` of each, this environment's biggest
distributions, and the biggest that no process of a run imported (what could go).

Used by lab_breakdown.py (with the modules its traced runs imported); run alone, it lists
sizes only, of the project's environments or of those named (the distributions are this
Python's):

    .venv/bin/python benchmarks/footprint.py
    /tmp/x/.venv/bin/python benchmarks/footprint.py /tmp/x/.venv /tmp/x/.venv-v3

Each environment's size is given as `du -sm` gives it (MiB of disk blocks, what the README
quotes and the 1,200 MB budget counts) and as the files' apparent size (`du -sb`).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ENVIRONMENTS = (".venv", ".venv-v3")


def distributions(site: Path) -> list[tuple[str, int, set[str]]]:
    """(name, bytes, top-level import names) of each distribution installed in `site`."""
    found = []
    for record in site.glob("*.dist-info/RECORD"):
        paths = [line.split(",")[0] for line in record.read_text(errors="replace").splitlines()]
        size = sum((site / p).stat().st_size for p in paths if (site / p).is_file())
        firsts = {p.split("/")[0] for p in paths if not p.startswith("..")}
        skip = (".dist-info", ".data", ".libs", ".pth", "__pycache__")
        tops = {f.removesuffix(".py").split(".")[0] for f in firsts if not f.endswith(skip)}
        found.append((record.parent.name.split("-")[0], size, tops))
    return sorted(found, key=lambda d: -d[1])


def disk_usage(folder: Path) -> tuple[int, int] | None:
    """(MiB of disk blocks as `du -sm` counts them, apparent bytes) of `folder`."""
    blocks = subprocess.run(["du", "-sk", folder], capture_output=True, text=True)
    apparent = subprocess.run(["du", "-sb", folder], capture_output=True, text=True)
    if not blocks.stdout or not apparent.stdout:
        return None
    return -(-int(blocks.stdout.split()[0]) // 1024), int(apparent.stdout.split()[0])


def report(repo: Path, seen: set[str] | None = None, venvs: list[Path] | None = None) -> None:
    """du of both environments (or of `venvs`); this one's biggest distributions, and (given
    the modules the runs imported, `seen`) the biggest that no process imported."""
    print("\n=== install footprint")
    for venv in venvs or [repo / name for name in ENVIRONMENTS]:
        size = disk_usage(venv.resolve())
        if size:
            print(f"  du {str(venv):24} {size[0]:6} MiB on disk ({size[1] / 1e6:.0f} MB of files)")
    dists = distributions(Path(sysconfig.get_paths()["purelib"]))
    total = sum(d[1] for d in dists) / 2**20
    print(f"  {Path(sys.prefix).name}: {len(dists)} distributions, {total:.0f} MiB")
    if seen is None:
        for name, size, tops in dists[:15]:
            _row(name, size, tops, "")
        return
    unused = [d for d in dists if d[2] and not d[2] & seen]
    print(
        f"  {len(unused)} of them ({sum(d[1] for d in unused) / 2**20:.0f} MiB) imported by "
        "no process of the runs above. The 10 biggest, then the 15 biggest never imported:"
    )
    for name, size, tops in dists[:10] + [("--", 0, set())] + unused[:15]:
        _row(name, size, tops, "imported" if tops & seen else "never imported" if tops else "")


def _row(name: str, size: int, tops: set[str], used: str) -> None:
    print(f"    {name:28} {size / 2**20:7.1f} MiB  {used:15} {', '.join(sorted(tops))[:40]}")


if __name__ == "__main__":
    report(Path(__file__).resolve().parent.parent, venvs=[Path(a) for a in sys.argv[1:]] or None)
