"""The semantic layer stays free of the app: no import from semantic/ reaches up
into auth, boards, data, ui, views or cli (except `semantic/__main__.py`, which
only hands `python -m semantic` over to the CLI package), and semantic's own
modules import each other without a cycle.

Every import counts: at module level, inside functions, under `if`, `from x
import y` (an edge to x.y when that is a module, else to x) and relative
imports. Implicit imports of a parent package are not counted (every module
would otherwise "import" semantic/__init__.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = "semantic"
ABOVE = ("auth", "boards", "data", "ui", "views", "cli")  # the app, and the CLI package above both
ALLOWED_UPWARD = {("semantic.__main__", "cli.semantic_cli")}  # `python -m semantic` hands over to the CLI


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT, package: str = LAYER) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported module, line) for every import statement anywhere in the file."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub if sub in known else target, node.lineno))
    return found


def graph(root: Path = ROOT, package: str = LAYER) -> dict[str, list[tuple[str, int]]]:
    mods = modules(root, package)
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def upward_edges(edges: dict[str, list[tuple[str, int]]]) -> list[str]:
    bad = []
    for source, targets in edges.items():
        for target, line in targets:
            top = target.split(".")[0]
            if top in ABOVE and (source, target) not in ALLOWED_UPWARD:
                bad.append(f"{source.replace('.', '/')}.py:{line} imports {target}")
    return bad


def cycles(edges: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (or a module importing
    itself), each reported as one concrete cycle a -> b -> ... -> a."""
    inside = {s: sorted({t for t, _ in ts if t in edges}) for s, ts in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def connect(v: str) -> None:  # Tarjan, recursive: the graph has a few dozen modules
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in inside[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in inside[v]:
                groups.append(sorted(group))

    for v in sorted(inside):
        if v not in index:
            connect(v)
    return [_one_cycle(group, inside) for group in groups]


def _one_cycle(group: list[str], inside: dict[str, list[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, within the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in inside[v]:
                if w == start:
                    return paths[v] + [start]
                if w in members and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    return group  # pragma: no cover - a strongly connected group always has a cycle


def test_the_layer_imports_nothing_above_it():
    bad = upward_edges(graph())
    assert not bad, "semantic/ must not import the app or the CLI:\n" + "\n".join(bad)


def test_the_layer_has_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles in semantic/ (function-level imports count):\n" + "\n".join(
        " -> ".join(c) for c in found
    )


def test_main_hands_over_to_the_cli_package():
    edges = dict(graph())["semantic.__main__"]
    assert [t for t, _ in edges if t.split(".")[0] in ABOVE] == ["cli.semantic_cli"]


def test_the_checks_see_function_level_and_relative_imports(tmp_path):
    """The checker itself: a cycle made only of imports inside functions, a relative
    import and an upward `from auth import x` are all found and named."""
    pkg = tmp_path / "semantic"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from semantic.b import g\n")
    (pkg / "b.py").write_text("def g():\n    if True:\n        from . import a\n")
    (pkg / "sub" / "c.py").write_text("from ..a import f\nfrom auth import audit\n")
    edges = graph(tmp_path)
    assert cycles(edges) == [["semantic.a", "semantic.b", "semantic.a"]]
    assert upward_edges(edges) == ["semantic/sub/c.py:2 imports auth"]
    assert ("semantic.a", 1) in edges["semantic.sub.c"]
