"""Install footprint of the lab's environments: `du` of each, this environment's biggest
distributions, and the biggest that no process of a run imported (what could go).

Used by lab_breakdown.py (with the modules its traced runs imported); run alone, it lists
sizes only:

    .venv/bin/python benchmarks/footprint.py
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


def report(repo: Path, seen: set[str] | None = None) -> None:
    """du of both environments; this one's biggest distributions, and (given the modules the
    runs imported, `seen`) the biggest that no process imported."""
    print("\n=== install footprint")
    for venv in ENVIRONMENTS:
        out = subprocess.run(["du", "-sb", (repo / venv).resolve()], capture_output=True, text=True)
        if out.stdout:
            print(f"  du {venv:8} {int(out.stdout.split()[0]) / 2**20:6.0f} MiB")
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
    report(Path(__file__).resolve().parent.parent)
