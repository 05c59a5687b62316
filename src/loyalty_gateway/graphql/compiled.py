"""Compiled reads on PostgreSQL: a query whose every selected field has an SQL form runs as
one statement whose single value is the response's `data`, built by PostgreSQL
(`json_build_object`, `json_agg`, a subquery per nested list), instead of resolving fields
one by one in Python (two thirds of a list's time was graphql-core completing fields).

The SQL forms sit in `FORMS`, by type and field, over the Tortoise models' tables and
columns and the domain rules' own SQL (lot status and spending order in `balances/lots.py`,
balances in `balances/service.py`, money in `core/money.py`). A plan is cached per document,
operation and the values its `@skip`/`@include` variables take; other variables are bound as
parameters, never spliced into the SQL. Whatever a plan does not cover (a field, an argument,
a cursor, a value the resolvers would refuse) leaves the operation to the resolvers, so that
errors keep their exact shape; so do staff lacking a scope a selected field needs, and
customer tokens reading anything but their own profile (`me`) or a field kept for staff.
SQLite always resolves.

This covers `profile`, `profiles(first, after, search)`, `me`, `rewardDefinitions` and
`benefitDefinitions` (with `search` and their flags), `tierDefinitions`, `balances`, and
`reward`, `benefit`, `rewardDefinition`, `benefitDefinition`, `redemption` and
`transaction` by id or key; `Profile`'s scalar fields, `balances`, `tier`, its lots
(`rewards`, `points`, `benefits`: `status`, `first`, `after`), `redemptions` and
`transactions` (`first`, `after`); the lots' fields, status and definitions, local times in
the row's zone, redemptions and transactions with their items and links; connections'
`nodes`, `edges { cursor node }`, `pageInfo` and `totalCount` (cursors as
`graphql/pagination.py` writes them); and `__typename`, aliases, fragments and
`@skip`/`@include` anywhere."""

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import orjson
from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from tortoise.connection import get_connection
from tortoise.models import Model

from loyalty_gateway.auth.scopes import Scope
from loyalty_gateway.auth.service import Principal
from loyalty_gateway.balances.definitions import search_terms as definition_terms
from loyalty_gateway.balances.held_tier import tier_sql
from loyalty_gateway.balances.lots import (
    BENEFIT_LOTS,
    BENEFIT_ORDER,
    POINT_LOTS,
    POINT_ORDER,
    REWARD_LOTS,
    REWARD_ORDER,
    LotKind,
    LotStatus,
    spending_key_sql,
    spending_order_sql,
)
from loyalty_gateway.balances.service import balance_sql
from loyalty_gateway.benefits.definitions import BENEFIT_DEFINITIONS
from loyalty_gateway.benefits.models import Benefit, BenefitDefinition
from loyalty_gateway.core.money import money_sql, points_to_cents_sql
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.keyset import Key, Order
from loyalty_gateway.db.search import Terms, like_pattern, matching_any_sql
from loyalty_gateway.graphql.pagination import DEFAULT_PAGE, MAX_PAGE, decode_cursor
from loyalty_gateway.graphql.permissions import guarded_scopes, staff_only_fields
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import PROFILE_ORDER, search_terms
from loyalty_gateway.redemptions.models import Redemption, RedemptionItem, RedemptionType
from loyalty_gateway.redemptions.service import REDEMPTION_ORDER
from loyalty_gateway.rewards.definitions import REWARD_DEFINITIONS
from loyalty_gateway.rewards.models import Reward, RewardDefinition
from loyalty_gateway.tiers.models import TierDefinition
from loyalty_gateway.transactions.models import Transaction, TransactionItem
from loyalty_gateway.transactions.service import TRANSACTION_ORDER

log = logging.getLogger(__name__)

Variables = Mapping[str, Any]
NOW = "<now>"
Getter = Callable[[Variables], Any]


class Unsupported(Exception):
    """The plan does not cover the operation: it runs on the resolvers."""


@dataclass(frozen=True)
class Plan:
    """A statement and what it needs: its parameters and the checks on their values, the
    scopes its fields require of staff, and who may run it: a customer token when it reads
    `me` alone and no field kept for staff, staff otherwise."""

    sql: str
    params: tuple[Getter, ...]
    checks: tuple[Callable[[Variables], bool], ...]
    scopes: frozenset[Scope]
    for_customer: bool = False
    staff_fields: bool = False

    def admits(self, principal: Principal) -> bool:
        if principal.is_customer:
            return self.for_customer and not self.staff_fields
        return not self.for_customer and all(principal.allows(s) for s in self.scopes)

    def bind(self, variables: Variables, principal: Principal) -> list[Any] | None:
        """The parameters for these variables and this caller (`me` is theirs); None when
        a value is one the resolvers refuse (their error is the answer)."""
        if not all(check(variables) for check in self.checks):
            return None
        given = {**variables, ME: principal.profile_id}
        return [param(given) for param in self.params]


ME = "\x00me"
"""The caller's own profile id among the values a plan binds: no variable has this name."""


def _column(model: type[Model], name: str, alias: str) -> str:
    found = model._meta.fields_map[name]
    return f"{alias}.{found.source_field or found.model_field_name}"


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def _datetime(expression: str, zone: str | None = None) -> str:
    """A timestamp as Strawberry shows it: Python's `isoformat()` in UTC, or with `zone` (an
    SQL expression naming an IANA zone) as `astimezone(zone)` gives it; microseconds only
    when there are any, the offset as ±HH:MM (:SS when it has seconds)."""
    at = f"(({expression}) AT TIME ZONE {zone or chr(39) + 'UTC' + chr(39)})"
    offset = "'+00:00'"
    if zone is not None:
        seconds = f"EXTRACT(EPOCH FROM ({at} - (({expression}) AT TIME ZONE 'UTC')))::int"
        size = f"abs({seconds})"
        offset = (
            f"CASE WHEN {seconds} < 0 THEN '-' ELSE '+' END || "
            f"lpad(({size} / 3600)::text, 2, '0') || ':' || "
            f"lpad(({size} % 3600 / 60)::text, 2, '0') || "
            f"CASE WHEN {size} % 60 <> 0 THEN ':' || lpad(({size} % 60)::text, 2, '0') ELSE '' END"
        )
    # The microseconds, dropped when they are all zeros (only the fraction has a dot).
    shown = f"replace(to_char({at}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"
    return f"CASE WHEN ({expression}) IS NULL THEN NULL ELSE {shown} || {offset} END"


@dataclass
class _Builder:
    fragments: dict[str, FragmentDefinitionNode]
    directive_values: Variables
    params: list[Getter] = field(default_factory=list)
    checks: list[Callable[[Variables], bool]] = field(default_factory=list)
    scopes: set[Scope] = field(default_factory=set)
    staff_fields: bool = False
    aliases: int = 0

    def now(self) -> str:
        """One `now` for the whole statement (every status and balance reads the same): a
        marker that `finish` makes a parameter if the statement uses it (PostgreSQL refuses
        a parameter it cannot see the type of)."""
        return NOW

    def finish(self, body: str) -> str:
        if NOW in body:
            body = body.replace(NOW, self.param(lambda variables: utcnow(), "timestamptz"))
        return f"SELECT ({body})::text"

    def param(self, getter: Getter, cast: str) -> str:
        self.params.append(getter)
        return f"${len(self.params)}::{cast}"

    def alias(self, stem: str) -> str:
        self.aliases += 1
        return f"{stem}{self.aliases}"

    def fields(self, selection: SelectionSetNode | None, type_name: str) -> dict[str, FieldNode]:
        """The response keys of a selection on `type_name`, through fragments and
        directives. A key selected twice with sub-selections is left to the resolvers."""
        found: dict[str, FieldNode] = {}

        def walk(selections: tuple[SelectionNode, ...] | list[SelectionNode]) -> None:
            for node in selections:
                if not self._included(node):
                    continue
                if isinstance(node, FieldNode):
                    key = (node.alias or node.name).value
                    if key in found and (node.selection_set or found[key].selection_set):
                        raise Unsupported(f"{key} selected twice")
                    found[key] = node
                    continue
                if isinstance(node, InlineFragmentNode):
                    condition, inner = node.type_condition, node.selection_set
                elif isinstance(node, FragmentSpreadNode):
                    fragment = self.fragments[node.name.value]
                    condition, inner = fragment.type_condition, fragment.selection_set
                else:
                    raise Unsupported(type(node).__name__)
                if condition is not None and condition.name.value != type_name:
                    raise Unsupported(f"a fragment on {condition.name.value}")
                walk(inner.selections)

        walk(selection.selections if selection else ())
        return found

    def _included(self, node: SelectionNode) -> bool:
        included = True
        for directive in node.directives or ():
            name = directive.name.value
            arguments = directive.arguments or ()
            if name not in ("skip", "include") or len(arguments) != 1:
                raise Unsupported(f"@{name}")
            value = arguments[0].value
            if isinstance(value, VariableNode):
                flag = self.directive_values.get(value.name.value)
            elif isinstance(value, BooleanValueNode):
                flag = value.value
            else:
                raise Unsupported("a directive argument")
            if not isinstance(flag, bool):
                raise Unsupported("a directive value")
            included = included and (flag if name == "include" else not flag)
        return included

    def argument(self, node: FieldNode, name: str, default: Any) -> Getter:
        """The argument's value for given variables: a literal, a variable (its value, or
        the argument's default when it is not given) or the default."""
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if given is None:
            return lambda variables: default
        if isinstance(given, VariableNode):
            variable = given.name.value
            return lambda variables: variables.get(variable, default)
        constant = _literal(given)
        return lambda variables: constant

    def only_arguments(self, node: FieldNode, allowed: set[str]) -> None:
        for argument in node.arguments or ():
            if argument.name.value not in allowed:
                raise Unsupported(f"argument {argument.name.value}")

    def object(self, type_name: str, selection: SelectionSetNode | None, alias: str) -> str:
        forms = FORMS.get(type_name)
        if forms is None:
            raise Unsupported(type_name)

        def form(key: str, node: FieldNode) -> str | None:
            found = forms.get(node.name.value)
            return None if found is None else found(self, node, alias)

        _reads(self, type_name)
        selected = self.fields(selection, type_name)
        staff = _staff_fields().get(type_name, frozenset())
        if any(child.name.value in staff for child in selected.values()):
            self.staff_fields = True
        return _json_object(type_name, selected, form)


def _json_object(
    type_name: str, selected: dict[str, FieldNode], form: Callable[[str, FieldNode], str | None]
) -> str:
    """`json_build_object` of the selected keys: `__typename`, or each field's SQL form
    (`form` gives None for a field without one: the resolvers answer)."""
    pairs = []
    for key, child in selected.items():
        name = child.name.value
        sql = f"'{type_name}'" if name == "__typename" else form(key, child)
        if sql is None:
            raise Unsupported(f"{type_name}.{name}")
        pairs.append(f"'{key}', {sql}")
    if not pairs or len(pairs) > 50:  # json_build_object takes 100 arguments
        raise Unsupported("an empty or wide selection")
    return f"json_build_object({', '.join(pairs)})"


def _literal(value: ValueNode) -> Any:
    if isinstance(value, NullValueNode):
        return None
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, StringValueNode | EnumValueNode):
        return value.value
    if isinstance(value, BooleanValueNode):
        return value.value
    if isinstance(value, ListValueNode):
        return [_literal(item) for item in value.values]
    raise Unsupported(type(value).__name__)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _page_size(value: Any) -> bool:
    return value is None or (type(value) is int and 0 <= value <= MAX_PAGE)


Form = Callable[[_Builder, FieldNode, str], str]


def _scalar(model: type[Model], column: str, render: Callable[[str], str] = str) -> Form:
    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, set())
        return render(_column(model, column, alias))

    return form


def _local(model: type[Model], stem: str) -> Form:
    """`<stem>LocalAt`: `<stem>_at` in the row's `timezone` (`graphql/convert.py`'s rule)."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, set())
        zone = _column(model, "timezone", alias)
        return _datetime(_column(model, f"{stem}_at", alias), zone)

    return form


def _text(expression: str) -> str:
    return f"({expression})::text"


def _profiles(builder: _Builder, node: FieldNode, alias: str) -> str:
    builder.only_arguments(node, {"first", "after", "search"})
    _reads(builder, "Profile")
    inner = builder.alias("p")
    where = _search(builder, node, inner, search_terms)
    return _by_creation(builder, node, PROFILE_ORDER, Profile, inner, where)


def _by_creation(
    builder: _Builder,
    node: FieldNode,
    order: Order,
    model: type[Model],
    inner: str,
    where: str,
) -> str:
    """A connection over the rows of `model` (alias `inner`) where `where` holds, in a
    `by_creation` order, after a cursor when given."""
    listing = _Listing(
        model.__name__,
        inner,
        counted=f"{_table(model)} {inner} WHERE {where}",
        order_sql=_order_sql(order, inner),
        order=order,
        seek=lambda: _seek(builder, node, order, inner),
    )
    return _connection(builder, node, listing, builder.argument(node, "first", None))


def _by_key(model: type[Model], other: str | None = None) -> Form:
    """A root field that reads one row by `id`, or by the unique key `other` (its GraphQL
    name: `handle`, `externalId`) when it has one, exactly one of them given; null when
    there is no such row."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, {"id", other} if other else {"id"})
        get_id = builder.argument(node, "id", None)
        inner = builder.alias("k")
        body = builder.object(model.__name__, node.selection_set, inner)
        where = f"{_column(model, 'id', inner)} = {builder.param(get_id, 'uuid')}"
        if other is None:
            builder.checks.append(lambda variables: _is_uuid(get_id(variables)))
        else:
            get_other = builder.argument(node, other, None)
            builder.checks.append(lambda given: _one_key(get_id(given), get_other(given)))
            value = builder.param(get_other, "text")
            where += f" OR {_column(model, _snake(other), inner)} = {value}"
        return f"(SELECT {body} FROM {_table(model)} {inner} WHERE {where})"

    return form


def _one_key(row_id: Any, other: Any) -> bool:
    """Exactly one key given, a UUID `id` or a string: else the resolvers refuse it."""
    if row_id is not None:
        return other is None and _is_uuid(row_id)
    return isinstance(other, str)


def _me(builder: _Builder, node: FieldNode, alias: str) -> str:
    """The customer's own profile (null once it is gone)."""
    builder.only_arguments(node, set())
    inner = builder.alias("m")
    body = builder.object("Profile", node.selection_set, inner)
    where = f"{_column(Profile, 'id', inner)} = {builder.param(lambda given: given[ME], 'uuid')}"
    return f"(SELECT {body} FROM {_table(Profile)} {inner} WHERE {where})"


@cache
def _staff_fields() -> dict[str, frozenset[str]]:
    """Type name → the fields a customer token may not read (`staff_only`)."""
    return staff_only_fields()


@cache
def _entity_scopes() -> dict[str, str]:
    """Type name → the scope that reads it (`guarded_by`), as the resolvers require it of
    every field that leads to it."""
    return guarded_scopes()


def _reads(builder: _Builder, type_name: str) -> None:
    """What reading an object (or a list) of `type_name` requires of staff."""
    scope = _entity_scopes().get(type_name)
    if scope is not None:
        builder.scopes.add(Scope(scope))


def _definitions(model: type[Model], order: Order, flags: tuple[str, ...]) -> Form:
    """A root list of definitions, oldest first, filtered by the flags given (`isPublished`
    is the column `is_published`)."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, {"first", "after", "search", *flags})
        _reads(builder, model.__name__)
        inner = builder.alias("d")
        wanted = [_search(builder, node, inner, definition_terms)]
        for flag in flags:
            given = builder.argument(node, flag, None)
            builder.checks.append(_is_flag(given))
            value = builder.param(given, "boolean")
            wanted.append(f"({value} IS NULL OR {_column(model, _snake(flag), inner)} = {value})")
        where = " AND ".join(wanted)
        return _by_creation(builder, node, order, model, inner, where)

    return form


def _is_flag(given: Getter) -> Callable[[Variables], bool]:
    return lambda variables: given(variables) in (None, True, False)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _plain(model: type[Model], names: str) -> dict[str, Form]:
    """Fields shown as their column holds them (text, numbers, booleans), by GraphQL name."""
    return {name: _scalar(model, _snake(name)) for name in names.split()}


def _times(model: type[Model], names: str) -> dict[str, Form]:
    """Timestamps in UTC, by GraphQL name (the column is the name in snake case)."""
    return {name: _scalar(model, _snake(name), _datetime) for name in names.split()}


def _definition_forms(model: type[Model]) -> dict[str, Form]:
    """What reward and benefit definitions share: `definitions.py` writes them alike."""
    return {
        "id": _scalar(model, "id", _text),
        **_plain(
            model,
            "name handle type description shortDescription longDescription termsConditions "
            "earnInstructions redeemInstructionsStore redeemInstructionsOnline icon imageUrl "
            "period extendDays isAssignable isExtendable isReassignable isPublished tags",
        ),
        "periodType": _scalar(model, "period_type", lambda column: f"upper({column})"),
        **_times(model, "absoluteExpiry createdAt updatedAt"),
    }


def _money(model: type[Model], names: str) -> dict[str, Form]:
    """Dollar amounts held as cents in `<name>_cents`, by GraphQL name."""
    return {name: _scalar(model, f"{_snake(name)}_cents", money_sql) for name in names.split()}


def _search(builder: _Builder, node: FieldNode, inner: str, terms: Callable[[str], Terms]) -> str:
    """`search` as the list's service reads it (`terms` of the stripped text, any of them
    contained, any case: `db/search.py`), in SQL; true when it is not given or blank."""
    if not any(argument.name.value == "search" for argument in node.arguments or ()):
        return "true"  # a list without the argument binds no search parameters
    search = builder.argument(node, "search", None)
    builder.checks.append(lambda variables: isinstance(search(variables), str | None))

    def term(variables: Variables) -> str:
        return (search(variables) or "").strip()

    def pattern(column: str) -> Getter:
        return lambda variables: like_pattern(terms(term(variables))[column])

    patterns = {column: builder.param(pattern(column), "text") for column in terms("")}
    given = builder.param(lambda variables: bool(term(variables)), "boolean")
    return f"(NOT {given} OR {matching_any_sql(inner, patterns)})"


def _seek(builder: _Builder, node: FieldNode, order: Order, alias: str) -> tuple[str, str]:
    """For a list by creation (`by_creation`: a time, then id, oldest or newest first):
    whether `after` was given, and the rows after it (all of them without it), in SQL."""
    at, last_id = _cursor_params(builder, node, order)
    made, row_id = (f"{alias}.{column.name}" for column in order.columns)
    beyond = "<" if order.descending else ">"
    later = f"{made} {beyond} {at} OR ({made} = {at} AND {row_id} {beyond} {last_id})"
    return f"({at} IS NOT NULL)", f"({at} IS NULL OR ({made} {beyond}= {at} AND ({later})))"


_CASTS = {datetime: "timestamptz", UUID: "uuid", int: "bigint"}


def _cursor_params(builder: _Builder, node: FieldNode, order: Order) -> list[str]:
    """The `after` cursor's sort key as parameters, one per column of `order` (all null
    without a cursor); `_connection` checks the cursor."""
    after = builder.argument(node, "after", None)

    def key(variables: Variables) -> Key:
        given = after(variables)
        return decode_cursor(order, given, "after") if given else (None,) * len(order.columns)

    def value(index: int) -> Getter:
        return lambda variables: key(variables)[index]

    return [
        builder.param(value(index), _CASTS[column.kind])
        for index, column in enumerate(order.columns)
    ]


def _order_sql(order: Order, alias: str) -> str:
    """A list's `Order` (plain columns) as SQL."""
    way = " DESC" if order.descending else ""
    return ", ".join(f"{alias}.{column.name}{way}" for column in order.columns)


def _cursor_ok(order: Order, cursor: Any) -> bool:
    if cursor is None:
        return True
    try:
        decode_cursor(order, cursor, "after")
    except GraphQLError:
        return False
    return isinstance(cursor, str)


@dataclass
class _Listing:
    """A list as a connection pages it: its node type, the table alias of its rows, what
    `totalCount` counts (a FROM clause with its WHERE), its order in SQL and as the cursors'
    `Order`, and `seek`: whether `after` was given and the rows after it, in SQL. The page
    (`paged`, `after_given`) is built only when read, so that a statement binds only the
    parameters it uses (PostgreSQL refuses one it cannot type)."""

    node_type: str
    alias: str
    counted: str
    order_sql: str
    order: Order
    seek: Callable[[], tuple[str, str]]
    _sought: tuple[str, str] | None = None

    def _sought_once(self) -> tuple[str, str]:
        if self._sought is None:
            self._sought = self.seek()
        return self._sought

    @property
    def paged(self) -> str:
        return f"{self.counted} AND {self._sought_once()[1]}"

    @property
    def after_given(self) -> str:
        return self._sought_once()[0]


def _connection(builder: _Builder, node: FieldNode, listing: _Listing, first: Getter) -> str:
    """A connection as the resolvers page it (`graphql/pagination.py`). With `nodes` alone,
    a subquery per `nodes` reads the page in order; with `edges` or `pageInfo`, one `SELECT`
    of aggregates reads the page's rows numbered, and one more to tell whether more
    follow, each with its node objects and its cursor. The arguments are checked as the
    resolvers check them whether or not the page is read (`totalCount` alone)."""
    builder.checks.append(lambda variables: _page_size(first(variables)))
    after = builder.argument(node, "after", None)
    builder.checks.append(lambda variables: _cursor_ok(listing.order, after(variables)))
    type_name = f"{listing.node_type}Connection"
    selected = builder.fields(node.selection_set, type_name)
    names = {child.name.value for child in selected.values()}
    if not names & {"nodes", "edges", "pageInfo"}:  # `totalCount`, `__typename`: no page
        return _pairs(builder, selected, type_name, listing, {})
    limit = builder.param(lambda v: DEFAULT_PAGE if first(v) is None else first(v), "int")
    order = f"ORDER BY {listing.order_sql}"
    if not names & {"edges", "pageInfo"}:
        nodes = {
            key: f"(SELECT COALESCE(json_agg(q.o), '[]'::json) FROM (SELECT "
            f"{builder.object(listing.node_type, child.selection_set, listing.alias)} AS o "
            f"FROM {listing.paged} {order} LIMIT {limit}) q)"
            for key, child in selected.items()
            if child.name.value == "nodes"
        }
        return _pairs(builder, selected, type_name, listing, nodes)
    within = f"FILTER (WHERE q.n <= {limit})"
    columns: list[str] = []

    def node_column(selection: SelectionSetNode | None) -> str:
        body = builder.object(listing.node_type, selection, listing.alias)
        columns.append(f"{body} AS o{len(columns)}")
        return f"q.o{len(columns) - 1}"

    def aggregate(value: str) -> str:
        return f"COALESCE(json_agg({value} ORDER BY q.n) {within}, '[]'::json)"

    paged = {}
    for key, child in selected.items():
        name = child.name.value
        if name == "nodes":
            paged[key] = aggregate(node_column(child.selection_set))
        elif name == "edges":
            paged[key] = aggregate(_edge(builder, child, listing, node_column))
        elif name == "pageInfo":
            paged[key] = _page_info(builder, child, listing, within, limit)
    wanted = any("q.c" in sql for sql in paged.values())  # cursors are built only when read
    cursor = _cursor_sql(listing.order, listing.alias) if wanted else "NULL"
    numbered = f"row_number() OVER ({order}) AS n"
    rows = ", ".join([*columns, f"{cursor} AS c", numbered])
    page = f"SELECT {rows} FROM {listing.paged} {order} LIMIT {limit} + 1"
    body = _pairs(builder, selected, type_name, listing, paged)
    return f"(SELECT {body} FROM ({page}) q GROUP BY ())"


def _pairs(
    builder: _Builder,
    selected: dict[str, FieldNode],
    type_name: str,
    listing: _Listing,
    paged: dict[str, str],
) -> str:
    """The connection's object: what reads the page (`paged`, by key), `totalCount` and
    `__typename`."""
    count = f"(SELECT count(*) FROM {listing.counted})"

    def form(key: str, child: FieldNode) -> str | None:
        return paged.get(key) or (count if child.name.value == "totalCount" else None)

    return _json_object(type_name, selected, form)


def _edge(
    builder: _Builder,
    node: FieldNode,
    listing: _Listing,
    node_column: Callable[[SelectionSetNode | None], str],
) -> str:
    type_name = f"{listing.node_type}Edge"

    def form(key: str, child: FieldNode) -> str | None:
        name = child.name.value
        return node_column(child.selection_set) if name == "node" else {"cursor": "q.c"}.get(name)

    return _json_object(type_name, builder.fields(node.selection_set, type_name), form)


def _page_info(
    builder: _Builder, node: FieldNode, listing: _Listing, within: str, limit: str
) -> str:
    forms = {
        "hasNextPage": f"(count(*) > {limit})",
        "hasPreviousPage": listing.after_given,
        "startCursor": f"(array_agg(q.c ORDER BY q.n) {within})[1]",
        "endCursor": f"(array_agg(q.c ORDER BY q.n DESC) {within})[1]",
    }
    selected = builder.fields(node.selection_set, "PageInfo")
    return _json_object("PageInfo", selected, lambda key, child: forms.get(child.name.value))


def _cursor_sql(order: Order, alias: str) -> str:
    """`encode_cursor` in SQL: the row's sort key as the JSON `[name, [values]]`, in base64
    with the URL alphabet, exactly as Python writes it."""
    values = []
    for column in order.columns:
        expression = f"{alias}.{column.name}"
        if column.kind is datetime:
            expression = _datetime(expression)
        elif column.kind is UUID:
            expression = f"({expression})::text"
        values.append(f"COALESCE(to_json({expression})::text, 'null')")
    text = f"'[\"{order.name}\",[' || " + " || ',' || ".join(values) + " || ']]'"
    return f"translate(encode(convert_to({text}, 'UTF8'), 'base64'), E'+/\\n', '-_')"


def _balances(builder: _Builder, node: FieldNode, alias: str) -> str:
    builder.only_arguments(node, set())
    return _balances_of(builder, node.selection_set, alias)


def _balances_root(builder: _Builder, node: FieldNode, alias: str) -> str:
    """`balances(profileId)`: a profile's balances, null when there is no such profile."""
    builder.only_arguments(node, {"profileId"})
    get_id = builder.argument(node, "profileId", None)
    builder.checks.append(lambda variables: _is_uuid(get_id(variables)))
    inner = builder.alias("p")
    body = _balances_of(builder, node.selection_set, inner)
    where = f"{inner}.id = {builder.param(get_id, 'uuid')}"
    return f"(SELECT {body} FROM {_table(Profile)} {inner} WHERE {where})"


def _balances_of(builder: _Builder, selection: SelectionSetNode | None, alias: str) -> str:
    """The balances of the profile `alias` (`balance_sql`, as the resolvers sum them)."""
    _reads(builder, "Balances")
    sums = balance_sql(f"{alias}.id", builder.now())
    point_cents = points_to_cents_sql("b.points", "b.rate")
    forms = {
        "id": f"'Balances:' || {alias}.id::text",
        "rewardBalance": money_sql("b.reward_cents"),
        "pointBalance": "b.points",
        "pointBalanceDollars": money_sql(point_cents),
        "combinedBalanceDollars": money_sql(f"b.reward_cents + {point_cents}"),
        "benefitBalance": "b.benefits",
        "pendingPointBalance": "b.pending_points",
    }
    selected = builder.fields(selection, "Balances")
    body = _json_object("Balances", selected, lambda key, child: forms.get(child.name.value))
    columns = ", ".join(f"{sql} AS {name}" for name, sql in sums.items())
    return f"(SELECT {body} FROM (SELECT {columns}) b)"


def _lots(model: type[Model], kind: LotKind, order: Order) -> Form:
    """A profile's lots of one kind (rewards, point lots, benefits) in spending order, of the
    statuses asked for (`status` written in the document: it shapes the statement), after a
    cursor when given."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, {"status", "first", "after"})
        _reads(builder, model.__name__)
        status = next((a.value for a in node.arguments or () if a.name.value == "status"), None)
        if isinstance(status, VariableNode):
            raise Unsupported("status from a variable: it shapes the statement")
        given = [] if status is None else _literal(status) or []
        inner = builder.alias("l")
        where = _by(Profile, "id", model, "profile_id").where(inner, alias)
        if given:
            now = builder.now()
            chosen = [kind.sql(LotStatus(each), inner, now) for each in dict.fromkeys(given)]
            where += " AND (" + " OR ".join(f"({c})" for c in chosen) + ")"
        listing = _Listing(
            model.__name__,
            inner,
            counted=f"{_table(model)} {inner} WHERE {where}",
            order_sql=spending_order_sql(inner),
            order=order,
            seek=lambda: _lot_seek(builder, node, order, inner),
        )
        return _connection(builder, node, listing, builder.argument(node, "first", None))

    return form


def _lot_seek(builder: _Builder, node: FieldNode, order: Order, alias: str) -> tuple[str, str]:
    """For a list of lots in spending order: whether `after` was given, and the lots after
    it (all of them without it), in SQL."""
    expires_at, issued_at, lot_id = _cursor_params(builder, node, order)
    row = spending_order_sql(alias)
    cursor = spending_key_sql(expires_at, issued_at, lot_id)
    return f"({issued_at} IS NOT NULL)", f"({issued_at} IS NULL OR ({row}) > ({cursor}))"


def _lot_status(kind: LotKind) -> Form:
    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, set())
        return kind.status_sql(alias, builder.now())

    return form


@dataclass(frozen=True)
class _Link:
    """From a row to the rows of `target` where `where(their alias, its alias)` holds."""

    target: type[Model]
    where: Callable[[str, str], str]


def _by(source: type[Model], ours: str, target: type[Model], theirs: str = "id") -> _Link:
    """The rows of `target` whose field `theirs` equals the `source` row's field `ours`
    (their columns read from the models' metadata when a plan is made)."""
    return _Link(
        target,
        lambda inner, alias: f"{_column(target, theirs, inner)} = {_column(source, ours, alias)}",
    )


def _one(link: _Link) -> Form:
    """A field leading to one row (of the GraphQL type named as its model), null when there
    is none."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, set())
        inner = builder.alias("o")
        body = builder.object(link.target.__name__, node.selection_set, inner)
        where = link.where(inner, alias)
        return f"(SELECT {body} FROM {_table(link.target)} {inner} WHERE {where})"

    return form


def _many(link: _Link, order: Callable[[str], str]) -> Form:
    """A field leading to a list (not a connection), in `order(their alias)`."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, set())
        inner = builder.alias("n")
        _reads(builder, link.target.__name__)
        body = builder.object(link.target.__name__, node.selection_set, inner)
        return (
            f"(SELECT COALESCE(json_agg({body} ORDER BY {order(inner)}), '[]'::json) "
            f"FROM {_table(link.target)} {inner} WHERE {link.where(inner, alias)})"
        )

    return form


def _profile_of(model: type[Model]) -> Form:
    """A row's profile."""
    return _one(_by(model, "profile_id", Profile))


def _history(model: type[Model], order: Order) -> Form:
    """A profile's rows of one kind by creation, newest first (redemptions, transactions),
    after a cursor when given."""

    def form(builder: _Builder, node: FieldNode, alias: str) -> str:
        builder.only_arguments(node, {"first", "after"})
        _reads(builder, model.__name__)
        inner = builder.alias("h")
        where = _by(Profile, "id", model, "profile_id").where(inner, alias)
        return _by_creation(builder, node, order, model, inner, where)

    return form


FORMS: dict[str, dict[str, Form]] = {
    "Query": {
        "profile": _by_key(Profile),
        "balances": _balances_root,
        "profiles": _profiles,
        "me": _me,
        "reward": _by_key(Reward),
        "benefit": _by_key(Benefit),
        "redemption": _by_key(Redemption),
        "transaction": _by_key(Transaction, "externalId"),
        "rewardDefinition": _by_key(RewardDefinition, "handle"),
        "benefitDefinition": _by_key(BenefitDefinition, "handle"),
        "rewardDefinitions": _definitions(
            RewardDefinition, REWARD_DEFINITIONS.order, ("isPublished",)
        ),
        "benefitDefinitions": _definitions(
            BenefitDefinition, BENEFIT_DEFINITIONS.order, ("isPublished", "isClaimable")
        ),
        "tierDefinitions": _many(
            _Link(TierDefinition, lambda inner, alias: "true"),
            lambda inner: f"{inner}.value_min, {inner}.handle",  # as `list_tiers` orders them
        ),
    },
    "Profile": {
        "id": _scalar(Profile, "id", _text),
        **_plain(Profile, "firstName lastName email mobilePhone gender externalId tags"),
        **_times(Profile, "createdAt updatedAt"),
        "birthDate": _scalar(Profile, "birth_date", lambda c: f"to_char({c}, 'YYYY-MM-DD')"),
        "balances": _balances,
        "rewards": _lots(Reward, REWARD_LOTS, REWARD_ORDER),
        "points": _lots(PointLot, POINT_LOTS, POINT_ORDER),
        "benefits": _lots(Benefit, BENEFIT_LOTS, BENEFIT_ORDER),
        "tier": _one(
            _Link(TierDefinition, lambda inner, alias: f"{inner}.id = {tier_sql(f'{alias}.id')}")
        ),
        "redemptions": _history(Redemption, REDEMPTION_ORDER),
        "transactions": _history(Transaction, TRANSACTION_ORDER),
    },
    "Reward": {
        "id": _scalar(Reward, "id", _text),
        **_plain(Reward, "type timezone externalId"),
        **_money(Reward, "valueInitial valueRemaining"),
        **_times(Reward, "issuedAt expiresAt extendedAt createdAt"),
        "issuedLocalAt": _local(Reward, "issued"),
        "expiresLocalAt": _local(Reward, "expires"),
        "appliedTransactionId": _scalar(Reward, "applied_transaction_id", _text),
        "status": _lot_status(REWARD_LOTS),
        "profile": _profile_of(Reward),
        "definition": _one(_by(Reward, "definition_id", RewardDefinition)),
    },
    "PointLot": {
        "id": _scalar(PointLot, "id", _text),
        **_plain(PointLot, "pointsInitial pointsRemaining timezone reason externalId"),
        **_times(PointLot, "issuedAt expiresAt availableAt createdAt"),
        "transactionId": _scalar(PointLot, "transaction_id", _text),
        "status": _lot_status(POINT_LOTS),
    },
    "Benefit": {
        "id": _scalar(Benefit, "id", _text),
        **_plain(Benefit, "timezone redemptionsRemaining externalId"),
        **_times(Benefit, "issuedAt expiresAt extendedAt claimedAt createdAt"),
        "expiresLocalAt": _local(Benefit, "expires"),
        "status": _lot_status(BENEFIT_LOTS),
        "profile": _profile_of(Benefit),
        "definition": _one(_by(Benefit, "definition_id", BenefitDefinition)),
    },
    "Redemption": {
        "id": _scalar(Redemption, "id", _text),
        **_plain(Redemption, "type transactionExternalId"),
        **_money(Redemption, "total requested"),
        **_times(Redemption, "createdAt"),
        "items": _many(
            _by(Redemption, "id", RedemptionItem, "redemption_id"),
            lambda inner: f"{inner}.created_at, {inner}.id",  # as `items_for` orders them
        ),
        "profile": _profile_of(Redemption),
        "reversedBy": _one(
            _Link(
                Redemption,
                lambda inner, alias: (
                    f"{inner}.original_id = {alias}.id AND {inner}.type = "
                    f"'{RedemptionType.REVERSAL.value}'"
                ),  # as `reversals_for` finds it
            )
        ),
        "original": _one(_by(Redemption, "original_id", Redemption)),
        "transaction": _one(_by(Redemption, "id", Transaction, "redemption_id")),
    },
    "RedemptionItem": {
        "type": _scalar(RedemptionItem, "type"),
        **_money(RedemptionItem, "value"),
        "points": _scalar(RedemptionItem, "points"),
        "uses": _scalar(RedemptionItem, "uses"),
        "reward": _one(_by(RedemptionItem, "reward_id", Reward)),
        "pointLot": _one(_by(RedemptionItem, "point_lot_id", PointLot)),
        "benefit": _one(_by(RedemptionItem, "benefit_id", Benefit)),
    },
    "Transaction": {
        "id": _scalar(Transaction, "id", _text),
        **_plain(Transaction, "externalId receiptRef isVoid timezone locationId tags"),
        **_money(Transaction, "total totalOriginal margin"),
        **_times(Transaction, "transactedAt refundedAt createdAt"),
        "transactedLocalAt": _local(Transaction, "transacted"),
        "items": _many(
            _by(Transaction, "id", TransactionItem, "transaction_id"),
            lambda inner: f"{inner}.position",  # as `items_for` orders them
        ),
        "profile": _profile_of(Transaction),
        "redemption": _one(_by(Transaction, "redemption_id", Redemption)),
    },
    "TransactionItem": {
        **_plain(TransactionItem, "name productVariantId sku isVoid isReturn tags"),
        "quantity": _scalar(TransactionItem, "quantity", lambda c: f"trim_scale({c})::text"),
        **_money(TransactionItem, "priceCurrent priceSell priceOriginal priceMargin"),
    },
    "TierDefinition": {
        "id": _scalar(TierDefinition, "id", _text),
        **_plain(
            TierDefinition,
            "name handle valueMin valueMaintain isFloor description shortDescription "
            "longDescription termsConditions icon imageUrl tags",
        ),
    },
    "RewardDefinition": {
        **_definition_forms(RewardDefinition),
        **_plain(RewardDefinition, "internalNotes"),
        **_money(RewardDefinition, "value"),
    },
    "BenefitDefinition": {
        **_definition_forms(BenefitDefinition),
        **_plain(BenefitDefinition, "maxRedemptions isClaimable isReclaimable"),
        **_times(BenefitDefinition, "claimPeriodStartAt claimPeriodEndAt"),
    },
}
"""The SQL form of each field the planner covers, by GraphQL type and field."""


def _directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """Names of the variables that `@skip`/`@include` read: their values shape the plan."""
    found: list[str] = []

    def visit(selection: SelectionSetNode | None) -> None:
        for node in selection.selections if selection else ():
            for directive in node.directives or ():
                for argument in directive.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        found.append(argument.value.name.value)
            visit(getattr(node, "selection_set", None))

    for definition in document.definitions:
        visit(getattr(definition, "selection_set", None))
    return tuple(sorted(set(found)))


def plan_for(
    document: DocumentNode, query: str, operation_name: str | None, variables: Variables
) -> Plan | None:
    """The plan of a validated query, or None when the resolvers must answer it."""
    names = _SHAPING.get(query)
    if names is None:
        names = _SHAPING[query] = _directive_variables(document)
    values = {name: variables.get(name) for name in names}
    key = (query, operation_name, json.dumps(list(values.values())))
    if key not in _PLANS:
        if len(_PLANS) >= CACHED_PLANS:
            _PLANS.clear()
            _SHAPING.clear()
        _PLANS[key] = _plan(document, operation_name, values)
    return _PLANS[key]


CACHED_PLANS = 1000
_SHAPING: dict[str, tuple[str, ...]] = {}
_PLANS: dict[tuple[str, str | None, str], Plan | None] = {}
"""Plans by the query's text, the operation and its directive values: keyed on text, whose
hash Python keeps, not on the parsed document, whose hash walks the whole tree."""


def _plan(
    document: DocumentNode, operation_name: str | None, directive_values: Variables
) -> Plan | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation.value != "query":
        return None
    operation = chosen[0]
    if any(v.default_value is not None for v in operation.variable_definitions or ()):
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    builder = _Builder(fragments, directive_values)
    try:
        selected = builder.fields(operation.selection_set, "Query").values()
        roots = {child.name.value for child in selected} - {"__typename"}
        if "me" in roots and len(roots) > 1:
            return None  # a customer's own profile beside what only staff may read
        body = builder.object("Query", operation.selection_set, "")
    except Unsupported:
        return None
    if not builder.aliases:
        return None  # no table read (`{ __typename }`): Python answers without a round trip
    return Plan(
        sql=builder.finish(body),
        params=tuple(builder.params),
        checks=tuple(builder.checks),
        scopes=frozenset(builder.scopes),
        for_customer=roots == {"me"},
        staff_fields=builder.staff_fields,
    )


def bound_plan(context: ExecutionContext) -> tuple[Plan, list[Any]] | None:
    """The plan and its parameters for a validated operation, or None when the resolvers
    must answer: not a query, no plan for it, a caller it does not admit (a scope they lack,
    a customer reading more than their own profile) or a value they would refuse."""
    principal = context.context.principal
    if context.operation_type is not OperationType.QUERY or principal is None:
        return None
    document, query = context.graphql_document, context.query
    if document is None or query is None:
        return None
    variables = context.variables or {}
    plan = plan_for(document, query, context.operation_name, variables)
    if plan is None or not plan.admits(principal):
        return None
    params = plan.bind(variables, principal)
    return None if params is None else (plan, params)


async def compiled_result(
    context: ExecutionContext, bound: tuple[Plan, list[Any]] | None = None, planned: bool = False
) -> ExecutionResult | None:
    """The query's result from its plan (`bound`, when the caller `planned` already), or
    None when the resolvers must answer (`bound_plan`) or the plan failed. Its data is
    PostgreSQL's JSON text, which the JSON encoder inserts as it is (`orjson.Fragment`):
    never decoded and encoded again."""
    if not planned:
        bound = bound_plan(context)
    if bound is None:
        return None
    plan, params = bound
    try:
        _, rows = await get_connection("default").execute_query(plan.sql, params)
    except Exception:
        # A plan that fails is a planner fault: the resolvers still answer (and report the
        # database being away as they always do).
        log.exception("Compiled plan failed; resolving instead: %s", plan.sql)
        return None
    data: Any = orjson.Fragment(rows[0][0])
    return ExecutionResult(data=data, errors=None)
