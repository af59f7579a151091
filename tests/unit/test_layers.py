"""The layers of ``docs/architecture.md``, enforced.

Every module of ``bot/`` and ``actions/`` is parsed with ``ast``; every import counts —
at module level, inside functions and classes, under ``if TYPE_CHECKING`` or ``try``.
A module belongs to the *unit* (package) with the longest matching prefix in ``LAYERS``.
An import may go to a lower layer or to the same layer; never to a higher one, and the
graph of imports between units must have no cycle.  A module that fits no unit fails
the test, so a new package has to be placed in a layer (here and in the docs).

The one permitted exception: the model registry ``bot.store.models`` (used by Alembic)
imports every concept's ``*.models`` module.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("bot", "actions")

#: layer name → units, lowest layer first (keep in step with docs/architecture.md).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("bot.common", "bot.settings", "bot.secrets", "bot.privacy", "bot.replies",
              "bot.labels", "bot.logging_setup", "bot.topology")),
    ("infrastructure", ("bot.store", "bot.audit", "bot.accounts", "bot.web")),
    ("domain", ("bot.knowledge", "bot.nlu", "bot.evaluation", "bot.cases", "bot.conversation",
                "bot.handoff", "bot.admin", "bot.retention", "bot.notify", "bot.followup",
                "bot.dashboard")),
    ("interfaces", ("bot.channels", "bot.console", "bot.admin.web", "bot.dashboard.web")),
    ("processes", ("bot.gateway", "bot.launch", "actions", "bot")),
]

#: (importing module, predicate on the imported module) pairs allowed to go up a layer
#: and left out of the cycle check.
REGISTRY = "bot.store.models"

LAYER_OF: dict[str, int] = {unit: index for index, (_, units) in enumerate(LAYERS) for unit in units}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = all_modules()


def unit_of(module: str) -> str | None:
    best: str | None = None
    for unit in LAYER_OF:
        if (module == unit or module.startswith(unit + ".")) and (best is None or len(unit) > len(best)):
            best = unit
    return best


def _resolve_relative(module: str, path: Path, level: int, target: str | None) -> str:
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import of a ``bot``/``actions`` module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(module, path, node.level, node.module) if node.level else node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in MODULES else base), node.lineno
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.args[0].value, node.lineno


def internal_imports() -> list[tuple[str, str, int]]:
    edges = []
    for module, path in MODULES.items():
        for target, line in imports_of(module, path):
            if target.split(".")[0] in ROOTS:
                edges.append((module, target, line))
    return edges


EDGES = internal_imports()


def _registry_exception(module: str, target: str) -> bool:
    return module == REGISTRY and target.endswith(".models")


def test_every_module_has_a_layer() -> None:
    assert MODULES, "no modules found"
    homeless = sorted(m for m in MODULES if unit_of(m) is None)
    assert not homeless, f"modules outside every layer (add them to LAYERS and the docs): {homeless}"


def test_no_import_goes_up_a_layer() -> None:
    upward = []
    for module, target, line in EDGES:
        source_unit, target_unit = unit_of(module), unit_of(target)
        if source_unit is None or target_unit is None or _registry_exception(module, target):
            continue
        if LAYER_OF[target_unit] > LAYER_OF[source_unit]:
            upward.append(f"{MODULES[module].relative_to(REPO)}:{line}: {module} "
                          f"({LAYERS[LAYER_OF[source_unit]][0]}) imports {target} "
                          f"({LAYERS[LAYER_OF[target_unit]][0]})")
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for module, target, line in EDGES:
        source_unit, target_unit = unit_of(module), unit_of(target)
        if (source_unit is None or target_unit is None or source_unit == target_unit
                or _registry_exception(module, target)):
            continue
        graph[source_unit].add(target_unit)
        where.setdefault((source_unit, target_unit), f"{module} → {target} (line {line})")
    report = []
    for component in _cycles(graph):
        members = set(component)
        report.append(" ↔ ".join(component) + ":\n" + "\n".join(
            f"    {where[(a, b)]}" for a in component for b in sorted(graph[a] & members)))
    assert not report, "import cycles between packages:\n" + "\n".join(report)


#: Modules allowed to import ``bot``/``actions`` modules inside a function (see the docs).
DEFERRED_OK = {"bot.launch.rasa_patches"}


def _is_internal(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] in ROOTS for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return bool(node.level) or (node.module or "").split(".")[0] in ROOTS
    return False


def test_internal_imports_are_at_module_level() -> None:
    """No ``bot`` import hidden in a function or behind ``except ImportError``."""
    hidden = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and module not in DEFERRED_OK:
                hidden += [f"{module}:{inner.lineno} (in {node.name})" for inner in ast.walk(node)
                           if _is_internal(inner)]
            if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                    for h in node.handlers):
                hidden += [f"{module}:{inner.lineno} (behind except ImportError)"
                           for stmt in node.body for inner in ast.walk(stmt) if _is_internal(inner)]
    assert not hidden, "hidden imports of bot/actions modules:\n" + "\n".join(sorted(set(hidden)))


@pytest.mark.parametrize("source, target", [
    ("bot.handoff.service", "bot.console.views"),
    ("bot.common.clock", "bot.cases.service"),
    ("bot.channels.telegram.gateway", "bot.gateway.app"),
])
def test_the_rules_catch_an_upward_import(source: str, target: str) -> None:
    assert LAYER_OF[unit_of(target)] > LAYER_OF[unit_of(source)]  # type: ignore[index]


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_parser_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.console import views\n    import bot.gateway.app\n"
                      "try:\n    from bot.settings import get_settings\nexcept ImportError:\n    pass\n")
    found = {name for name, _ in imports_of("bot.common.sample", sample)}
    assert {"bot.console.views", "bot.gateway.app", "bot.settings"} <= found
