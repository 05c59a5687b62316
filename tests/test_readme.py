"""README examples stay true: each validates against the schema; every operation has one."""

import json
import re
from pathlib import Path

from graphql import parse, validate

from tests.support import built_schema

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SECTION = re.compile(r"^### (\w+)(?: \(subscription\))?\n(.*?)(?=^### |^## )", re.S | re.M)
BLOCK = re.compile(r"```json\n(.*?)```", re.S)


def examples() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for name, body in SECTION.findall(README):
        found[name] = [json.loads(block) for block in BLOCK.findall(body)]
    return found


def test_every_example_is_valid_graphql_for_this_schema():
    for name, bodies in examples().items():
        for body in bodies:
            errors = validate(built_schema()._schema, parse(body["query"]))
            assert errors == [], (name, errors)


def test_every_root_operation_has_an_example():
    documented = set(examples())
    graphql_schema = built_schema()._schema
    operations = (
        set(graphql_schema.query_type.fields)
        | set(graphql_schema.mutation_type.fields)
        | set(graphql_schema.subscription_type.fields)
    )
    assert operations - documented == set()


def scope_of(field) -> str:
    [permission] = field.permission_classes
    return permission.required_scope


def test_every_operation_has_a_scope_and_the_readme_table_says_which():
    rows = [line for line in README.splitlines() if line.startswith("| ")]
    names = built_schema().config.name_converter
    for type_name in ("Query", "Mutation", "Subscription"):
        for field in built_schema().get_type_by_name(type_name).fields:
            assert field.permission_classes, f"{type_name}.{field.name} has no permission"
            name = names.get_graphql_name(field)
            scope = scope_of(field)
            wanted = "customer token" if scope == "customer" else f"`{scope}`"
            assert any(row.startswith(f"| {wanted} |") and f"`{name}`" in row for row in rows), (
                f"README does not list {name} under {wanted}"
            )
