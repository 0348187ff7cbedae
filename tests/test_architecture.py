"""The package's shape: no import cycle (lazy imports inside functions count), imports go down the layers
only, and no module is over 400 lines.

The import graph is built with `ast` from the source files, so an import inside a function or under
`if TYPE_CHECKING:` is an edge like any other. `.importlinter` in pyproject.toml states the same layers
for CI (`lint-imports`); this test keeps them true under plain `make test` too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import glioma_change

PACKAGE = Path(glioma_change.__file__).parent
MAX_LINES = 400
LAYERS: list[set[str]] = [
    {"testing"},
    {"__main__"},
    {"cli"},
    {"demo", "api"},
    {"evaluation"},
    {"tuning"},
    {"training"},
    {"transfer"},
    {"models", "data"},
    {"reports", "imaging", "synth"},
]
"""Top to bottom; a module may import its own layer's package and anything below. Every other top-level
module of the package is a shared leaf (formats, io, stats, study_config, names, ...): it may import only
other leaves."""


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _owner(name: str, mods: dict[str, Path]) -> str | None:
    """The package module `name` refers to (a module, or the module defining an imported attribute)."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> package modules it imports anywhere in its source (top level, functions, TYPE_CHECKING)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" for alias in node.names]
            for target in targets:
                if target.split(".")[0] != PACKAGE.name:
                    continue
                owner = _owner(target, mods)
                if owner and owner != module:
                    graph[module].add(owner)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> int:
    """Index of the module's layer in `LAYERS` (leaves: one past the last)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    return next((i for i, layer in enumerate(LAYERS) if top in layer), len(LAYERS))


def test_the_graph_sees_lazy_imports() -> None:
    graph = import_graph()
    # `cli.tune` imports `tuning.run` inside the command function only
    assert "glioma_change.tuning.run" in graph["glioma_change.cli.tune"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def allowed(module: str, target: str) -> bool:
    """Down the layers; within a layer only inside one package (models and data, say, stay independent)."""
    mine, theirs = layer_of(module), layer_of(target)
    if mine != theirs:
        return theirs > mine
    return mine == len(LAYERS) or module.split(".")[1] == target.split(".")[1]


def test_layer_rule_on_known_edges() -> None:
    assert allowed("glioma_change.tuning.refit", "glioma_change.stats")
    assert allowed("glioma_change.formats", "glioma_change.errors")
    assert not allowed("glioma_change.tuning.refit", "glioma_change.evaluation.compare")
    assert not allowed("glioma_change.models.spec", "glioma_change.data.samples")
    assert not allowed("glioma_change.stats", "glioma_change.evaluation.metrics")


def test_imports_go_down_the_layers_only() -> None:
    graph = import_graph()
    upward = [f"{m} -> {t}" for m, targets in sorted(graph.items()) for t in sorted(targets) if not allowed(m, t)]
    assert upward == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_400_lines(path: Path) -> None:
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {n_lines} lines"
