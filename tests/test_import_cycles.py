"""The project's modules import each other without cycles, and only tasks modules import services' tasks.

Read from the source with ``ast`` (nothing is imported): every import of a project module,
at module level *and* inside functions — an import moved into a function to dodge a cycle
still is one, it only fails later. Services hand a task's name to ``outbox.dispatch``; they
never import a tasks module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["accounts", "api", "certificates", "config", "events", "evidence", "outbox", "privacy", "surveys"]


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imported(module: str, path: Path, node: ast.AST, modules: dict[str, Path]) -> list[str]:
    names = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        # "from events.services import emails" imports the module events.services.emails.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
    targets = []
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            targets.append(name)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            graph[module].update(_imported(module, path, node, modules))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
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
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a.services.x": {"a.tasks"}, "a.tasks": {"a.services.x"}, "b": {"a.tasks"}}) == [
        ["a.services.x", "a.tasks"]
    ]


def test_no_module_of_the_project_imports_itself_back():
    assert _cycles(_graph()) == []


def test_services_hand_work_to_dispatch_and_never_import_a_tasks_module():
    graph = _graph()
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if ".services" in module or module == "outbox.dispatch"
        for target in targets
        if target.endswith(".tasks")
    )
    assert offenders == []
