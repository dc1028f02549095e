"""No import cycles among our modules under code/ (lab, localsm, xgboost_report, script).

The graph is read from the source with `ast`, never by importing: every `import` and
`from ... import` counts, at module level, inside functions and classes, and under
`if TYPE_CHECKING:` (a cycle of type-only imports is still two modules that need each other).
`from package import name` points at the submodule `package.name` when there is one, else at
the package; imports of anything outside code/ are left out, and so is the implicit import of
a package's `__init__` by its submodules. Module names are those Python sees: code/ (packages
lab, localsm, xgboost_report), code/script (the script-mode modules `checks`, `xgboost_train`)
and code/localsm/script_image (the image's stand-in packages) are each on the path.

There is none: the last ones (lab.hosting/lab.notebook, lab.kernel/lab.modes, and localsm's
activation/patches/sdk_compat/session/session_v3) were taken apart, so any cycle fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

CODE = Path(__file__).resolve().parents[1] / "code"
ROOTS = (CODE, CODE / "script", CODE / "localsm" / "script_image")  # as on sys.path


def module_names() -> dict[str, Path]:
    """{module name: file} of every module under code/, named from its deepest root."""
    modules = {}
    for path in sorted(CODE.rglob("*.py")):
        root = max((r for r in ROOTS if path.is_relative_to(r)), key=lambda r: len(r.parts))
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = path
    return modules


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules under code/ that module `name` (at `path`) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a function-less path
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_graph_sees_our_packages_and_their_imports():
    graph = import_graph()
    assert {"lab", "localsm", "xgboost_report", "checks", "xgboost_train"} <= set(graph)
    assert "sagemaker_containers" in graph
    assert "checks" in graph["xgboost_train"]
    assert "xgboost_report.report" in graph["xgboost_report.jobs"]  # from .report import ...
    assert "xgboost_report.page" in graph["xgboost_report.report"]  # from . import page
    assert "xgboost_report.wording" in graph["xgboost_report.sections.base"]  # ..wording


def test_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert sorted(map(sorted, cycles(graph))) == [["a", "b", "c"], ["d", "e"]]


def test_no_import_cycles():
    found = [sorted(c) for c in cycles(import_graph())]
    assert not found, f"import cycles among the modules under code/: {found}"


def test_the_report_package_has_no_cycle():
    """The training report: report -> page -> sections, and nothing back."""
    graph = import_graph()
    report = {name: deps for name, deps in graph.items() if name.startswith("xgboost_report")}
    assert not cycles(report)
    sections = [name for name in graph if name.startswith("xgboost_report.sections")]
    for name in ["xgboost_report.page", *sections]:
        assert "xgboost_report.report" not in graph[name], name
    for name in sections:
        assert "xgboost_report.page" not in graph[name], name
