"""The reports room keeps its shape: one spaCy component per module, no import cycle (lazy imports
included), no module over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import glioma_change.reports as reports

ROOT = Path(reports.__file__).resolve().parent
PACKAGE = "glioma_change.reports"


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join((PACKAGE, *parts))
        out[name.removesuffix(".__init__")] = path
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # every import, lazy ones too
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def test_no_import_cycle_in_reports() -> None:
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    assert f"{PACKAGE}.labeling" not in graph[f"{PACKAGE}.classifier"]


def test_modules_are_small_and_components_one_per_module() -> None:
    for name, path in _modules().items():
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, name
    factories = {}
    for path in (ROOT / "components").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        factories[path.stem] = text.count("@Language.factory(")
    assert sorted(k for k, v in factories.items() if v) == [
        "admin",
        "context",
        "measurements",
        "sections",
        "sentences",
        "terms",
    ]
    assert set(factories.values()) <= {0, 1}
