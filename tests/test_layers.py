"""The layers of DESIGN.md hold: data flows down, never back up (core <- render <- cli), and
no two modules import each other, at their top or lazily inside a function (a cycle works
until the day the import order or the first caller changes)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "aspirectl"
RANK = {"core": 0, "render": 1, "cli": 2}


def _module(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("cli", "render") else "core"


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    """aspirectl modules a module imports at run time, at its top or inside a function (a lazy
    import still runs); ``if TYPE_CHECKING:`` blocks never run and are left out. ``from X import
    y`` also counts X.y when that is a module."""
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).exists():
                    found.append((candidate, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names)
    return [(m, line) for m, line in found if m.startswith("aspirectl")]


def _sources() -> dict[str, ast.AST]:
    return {_module(p): ast.parse(p.read_text(), str(p)) for p in PACKAGE.rglob("*.py")}


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for module, tree in _sources().items():
        if module == "aspirectl.__main__":  # `python -m aspirectl`: the program's entry point
            continue
        for target, line in _imports(tree):
            if RANK[_layer(target)] > RANK[_layer(module)]:
                upward.append(f"{module}:{line} imports {target}")
    assert upward == [], "\n".join(upward)


def test_no_two_modules_import_each_other():
    graph = {m: {t for t, _ in _imports(tree) if t != m} for m, tree in _sources().items()}
    cycles = []

    def visit(module: str, path: list[str], seen: set[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in seen:
                seen.add(target)
                visit(target, [*path, target], seen)

    for start in sorted(graph):
        visit(start, [start], {start})
    assert not cycles, "\n".join(sorted(set(cycles))[:20])


def test_the_layer_test_sees_an_upward_import(tmp_path):
    """The checks above can fail: a core module importing render is found."""
    tree = ast.parse("from aspirectl.render.route import served_text\n")
    imported = [t for t, _ in _imports(tree)]
    assert "aspirectl.render.route" in imported and RANK[_layer(imported[0])] > RANK[_layer("aspirectl.graph")]
