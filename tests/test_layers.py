"""The layers as docs/architecture.md draws them, read from the import statements: `core/` is
pure (no database, no other package), domain packages never import the GraphQL or web layer,
no module imports itself back through others, and no new cycle between packages appears."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "loyalty_gateway"
ENTRY = {"graphql", "web", "app", "cli", "background", "__main__", "demo", "http_guards"}
"""The layers on top (the API, the process, the demo that drives the API): they may import
anything."""


def unit(path: Path) -> str:
    """The top-level package (or module) a file belongs to; a package's `models.py` is a unit
    of its own (`profiles.models`): models are the lowest domain layer, which any domain's
    services may read without depending on that domain's services."""
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 2 and parts[1] == "models.py":
        return f"{parts[0]}.models"
    return parts[0].removesuffix(".py")


def imports() -> dict[str, set[str]]:
    """Per top-level unit, the other units it imports, and the outside modules (as
    `outside:name`: the graphql-core library is not the `graphql` layer)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found = graph.setdefault(unit(path), set())
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] != "loyalty_gateway" or len(parts) == 1:
                    found.add(parts[0])
                elif len(parts) > 2 and parts[2] == "models":
                    found.add(f"{parts[1]}.models")
                else:
                    found.add(parts[1])
    for name, found in graph.items():
        found.discard(name)
    return graph


GRAPH = imports()


def test_core_does_no_io_and_needs_no_other_package():
    io = {f"outside:{name}" for name in ("tortoise", "asyncpg", "aiosqlite", "strawberry")}
    assert not GRAPH["core"] & (set(GRAPH) | io)


@pytest.mark.parametrize("domain", sorted(set(GRAPH) - ENTRY))
def test_a_domain_never_imports_the_graphql_or_web_layer(domain):
    assert not GRAPH[domain] & ENTRY


def test_no_cycle_between_packages():
    """Not two packages that import each other, nor a longer loop."""
    internal = {name: found & set(GRAPH) for name, found in GRAPH.items()}

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for imported in internal[todo.pop()] - seen:
                seen.add(imported)
                todo.append(imported)
        return seen

    assert sorted(name for name in internal if name in reach(name)) == []


def test_models_import_no_service():
    for name, found in GRAPH.items():
        if name.endswith(".models"):
            assert {f for f in found if f in GRAPH and not f.endswith(".models")} <= {"core"}


def module_imports() -> dict[str, set[str]]:
    """Per module, the modules of the package it imports when it is loaded (not inside
    functions, not for type checking only)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(("loyalty_gateway", *path.relative_to(PACKAGE).with_suffix("").parts))
        found = graph.setdefault(name.removesuffix(".__init__"), set())
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "loyalty_gateway"
            ):
                module = node.module or ""
                found |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
    return {name: {m for m in found if m in graph and m != name} for name, found in graph.items()}


def test_no_module_imports_itself_back():
    graph = module_imports()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name in done:
            return
        for imported in graph[name]:
            visit(imported, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())
