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
KNOWN_CYCLES = [
    "balances <-> profiles",
    "profiles <-> tiers",
    "redemptions <-> transactions",
]
"""Package pairs that still import each other (each module does so one way): the profile
context joins balances and the tier, which hang on the profile row, and a redemption and a
transaction link both ways. The list may only shrink."""


def unit(path: Path) -> str:
    """The top-level package (or module) a file belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


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
                found.add(
                    parts[1] if parts[0] == "loyalty_gateway" and len(parts) > 1 else parts[0]
                )
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


def test_no_new_cycle_between_packages():
    internal = {name: found & set(GRAPH) for name, found in GRAPH.items()}
    cycles = sorted(
        f"{a} <-> {b}" for a in internal for b in internal[a] if a < b and a in internal[b]
    )
    assert cycles == KNOWN_CYCLES


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
