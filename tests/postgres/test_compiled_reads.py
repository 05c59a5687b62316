"""Compiled reads answer exactly what the resolvers answer: the same queries go to a server
that compiles and to one that resolves (COMPILED_READS=false), both on one PostgreSQL
database holding the edge cases (unknown ids, empty lists, void / used / expired lots, one
expiring this very second, no-expiry lots, several time zones, half-cent rounding, unicode),
and the two answers must be the same JSON, keys in the same order. Hypothesis writes most of
the queries."""

import asyncio
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty_gateway.core.money import from_cents, money_sql, points_to_cents, points_to_cents_sql
from loyalty_gateway.graphql.permissions import staff_only_fields
from tests.conftest import serving
from tests.support import ADMIN_TOKEN, drain, free_port, run_sql, serve, wait_for_line

HEADERS = {"authorization": f"Bearer {ADMIN_TOKEN}"}
SIDES = ("compiled", "resolved")
STAFF_FIELDS = set().union(*staff_only_fields().values())
"""Fields a customer token may not read, whatever type they are on."""
SECRET = "compiled-reads-secret-key-of-32-chars-or-more"
PROFILE_FIELDS = [
    "id", "firstName", "lastName", "email", "mobilePhone", "gender", "externalId",
    "createdAt", "updatedAt", "birthDate", "tags", "__typename",
]  # fmt: skip
BALANCE_FIELDS = [
    "id", "rewardBalance", "pointBalance", "pointBalanceDollars", "combinedBalanceDollars",
    "benefitBalance", "pendingPointBalance", "__typename",
]  # fmt: skip
REWARD_FIELDS = [
    "id", "valueInitial", "valueRemaining", "type", "timezone", "issuedAt", "expiresAt",
    "extendedAt", "externalId", "createdAt", "status", "issuedLocalAt", "expiresLocalAt",
    "appliedTransactionId",
    "__typename",
]  # fmt: skip
DEFINITION_FIELDS = [
    "id", "handle", "name", "type", "value", "period", "periodType", "absoluteExpiry",
    "extendDays", "description", "shortDescription", "longDescription", "termsConditions",
    "earnInstructions", "redeemInstructionsStore", "redeemInstructionsOnline", "icon",
    "imageUrl", "internalNotes", "isAssignable", "isExtendable", "isReassignable",
    "isPublished", "tags", "createdAt", "updatedAt", "__typename",
]  # fmt: skip
POINT_FIELDS = [
    "id", "pointsInitial", "pointsRemaining", "timezone", "issuedAt", "expiresAt", "status",
    "reason", "externalId", "createdAt", "availableAt", "transactionId", "__typename",
]  # fmt: skip
BENEFIT_FIELDS = [
    "id", "timezone", "issuedAt", "expiresAt", "extendedAt", "claimedAt",
    "redemptionsRemaining", "status", "externalId", "createdAt", "expiresLocalAt",
    "__typename",
]  # fmt: skip
BENEFIT_DEFINITION_SOME = ["id", "handle", "name", "periodType", "absoluteExpiry", "isClaimable"]
REDEMPTION_FIELDS = [
    "id", "type", "total", "requested", "transactionExternalId", "createdAt", "__typename",
]  # fmt: skip
ITEM_FIELDS = [
    "type", "value", "points", "uses", "reward { id status }", "pointLot { id }", "benefit { id }",
]  # fmt: skip
TRANSACTION_FIELDS = [
    "id", "externalId", "receiptRef", "total", "totalOriginal", "margin", "isVoid",
    "transactedAt", "transactedLocalAt", "timezone", "locationId", "tags", "createdAt",
    "refundedAt",
]  # fmt: skip
TRANSACTION_ITEM_FIELDS = [
    "name", "productVariantId", "sku", "quantity", "priceCurrent", "priceSell",
    "priceOriginal", "priceMargin", "isVoid", "isReturn", "tags",
]  # fmt: skip
LOTS = {
    "rewards": (REWARD_FIELDS, {"definition": DEFINITION_FIELDS}),
    "points": (POINT_FIELDS, {}),
    "benefits": (BENEFIT_FIELDS, {"definition": BENEFIT_DEFINITION_SOME}),
    "redemptions": (
        REDEMPTION_FIELDS,
        {
            "items": ITEM_FIELDS,
            "reversedBy": ["id", "type"],
            "original": ["id", "type", "total"],
            "transaction": ["id", "total", "items { name quantity }"],
            "profile": ["id", "email"],
        },
    ),
    "transactions": (
        TRANSACTION_FIELDS,
        {"items": TRANSACTION_ITEM_FIELDS, "redemption": ["id", "type", "items { value }"]},
    ),
}
"""Each per-profile list: its node's fields and what its nodes lead to, with their fields.
The first three are lots, filtered by status."""
TIER_FIELDS = [
    "id", "name", "handle", "valueMin", "valueMaintain", "isFloor", "description",
    "shortDescription", "longDescription", "termsConditions", "icon", "imageUrl", "tags",
    "__typename",
]  # fmt: skip
PAGE_FIELDS = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]
STATUSES = ["ACTIVE", "EXPIRED", "USED", "VOID"]


async def run_sql_with(database_url: str, sql: str, *args: Any) -> list[tuple]:
    connection = await asyncpg.connect(database_url)
    try:
        return [tuple(row) for row in await connection.fetch(sql, *args)]
    finally:
        await connection.close()


def post(
    client: httpx.Client, query: str, variables: dict | None = None, token: str = ADMIN_TOKEN
) -> str:
    """The answer's JSON, written compactly with its keys in the order they came: a compiled
    answer is PostgreSQL's text (`{"a" : 1}`), the same JSON as the resolvers' `{"a":1}`."""
    body = {"query": query, "variables": variables or {}}
    response = client.post("/graphql", json=body, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return orjson.dumps(orjson.loads(response.content)).decode()


def compiled_count(client: httpx.Client) -> float:
    text = client.get("/metrics").text
    found = re.search(r'operations_by_path_total\{path="compiled"\} ([0-9.e+]+)', text)
    return float(found.group(1)) if found else 0.0


def setup_data(client: httpx.Client, database_url: str) -> list[str]:
    """Profiles holding every kind of lot; returns their ids."""

    def call(query: str, variables: dict) -> Any:
        body = client.post("/graphql", json={"query": query, "variables": variables}).json()
        assert "errors" not in body, body
        return body["data"]

    definition = call(
        """mutation($input: CreateRewardDefinitionInput!) { createRewardDefinition(input: $input)
        { rewardDefinition { id } } }""",
        {
            "input": {
                "name": "Café ☕",
                "handle": "diff",
                "value": "10.05",
                "type": "fixed",
                "period": 30,
                "description": "Ünïcode ☕",
                "internalNotes": "for staff",
                "tags": ["a", "b"],
                "isExtendable": True,
            }
        },
    )["createRewardDefinition"]["rewardDefinition"]["id"]
    for index, extra in enumerate(
        [{"isClaimable": True, "isPublished": True, "maxRedemptions": 3, "period": 30,
          "claimPeriodStartAt": "2026-01-01T00:00:00Z", "tags": ["t"],
          "claimPeriodEndAt": "2031-01-01T00:00:00.123+00:00"},
         {"periodType": "ABSOLUTE_DATE", "absoluteExpiry": "2031-06-30T13:59:59.25+00:00",
          "description": "Ünïcode ☕", "imageUrl": "https://example.com/x.png"}]
    ):  # fmt: skip
        call(
            """mutation($input: CreateBenefitDefinitionInput!) {
            createBenefitDefinition(input: $input) { benefitDefinition { id } } }""",
            {"input": {"name": f"Benefit {index}", "handle": f"benefit-{index}", **extra}},
        )
    for tier in (
        {"name": "Base B", "handle": "base-b", "valueMin": 0},
        {"name": "Base A ☕", "handle": "base-a", "valueMin": 0, "tags": ["x"]},
        {"name": "Gold", "handle": "gold", "valueMin": 500, "valueMaintain": 400,
         "isFloor": True, "description": "Ünïcode", "imageUrl": "https://e.com/g.png"},
    ):  # fmt: skip
        call(
            """mutation($input: CreateTierDefinitionInput!) {
            createTierDefinition(input: $input) { errors { code } } }""",
            {"input": tier},
        )
    issue = """mutation($input: IssueRewardInput!) { issueReward(input: $input)
      { reward { id } errors { code } } }"""
    ids = []
    for index, (name, zone) in enumerate(
        [("Zoë", "Australia/Melbourne"), ("李", "America/New_York"), ("Ann", "UTC")]
    ):
        profile = call(
            """mutation($input: CreateProfileInput!) { createProfile(input: $input)
            { profile { id } } }""",
            {"input": {"email": f"d{index}@example.com", "firstName": name, **PERSONAL[index]}},
        )["createProfile"]["profile"]["id"]
        ids.append(profile)
        if index == 2:
            continue  # a profile with nothing (in the base tier)
        if index == 0:
            call(
                """mutation($p: ID!) { assignTier(input: {profileId: $p, tierHandle: "gold"})
                { errors { code } } }""",
                {"p": profile},
            )
        rewards = [
            call(issue, {"input": {"profileId": profile, "rewardDefinitionId": definition,
                                   "timezone": zone, **extra}})["issueReward"]["reward"]["id"]
            for extra in ({}, {"valueInitial": "3.33"}, {}, {}, {})
        ]  # fmt: skip
        call(
            """mutation($id: ID!) { voidReward(input: {rewardId: $id, reason: "x"})
            { errors { code } } }""",
            {"id": rewards[0]},
        )
        points = [
            call(
                """mutation($p: ID!, $n: Points!, $z: String!) { awardPoints(input: {
                profileId: $p, points: $n, timezone: $z, reason: "Ünïcode"}) {
                pointLot { id } errors { code } } }""",
                {"p": profile, "n": n, "z": zone},
            )["awardPoints"]["pointLot"]["id"]
            for n in (1001, 20, 30, 40, 50, 60)
        ]
        benefits = [
            call(
                """mutation($p: ID!, $h: String!, $z: String!) { issueBenefit(input: {
                profileId: $p, benefitDefinitionHandle: $h, timezone: $z}) {
                benefit { id } errors { code } } }""",
                {"p": profile, "h": handle, "z": zone},
            )["issueBenefit"]["benefit"]["id"]
            for handle in ("benefit-0", "benefit-1", "benefit-0", "benefit-0", "benefit-0")
        ]
        lot = "UPDATE {} SET {} WHERE id = '{}'"
        asyncio.run(
            run_sql(
                database_url,
                lot.format("reward", "value_remaining_cents = 0", rewards[1]),
                lot.format("reward", "expires_at = now() - interval '3 days'", rewards[2]),
                lot.format("reward", "expires_at = date_trunc('second', now())", rewards[3]),
                lot.format("reward", "expires_at = NULL", rewards[4]),
                lot.format("point_lot", "points_remaining = 0", points[1]),
                lot.format("point_lot", "expires_at = now() - interval '1 day'", points[2]),
                lot.format("point_lot", "voided_at = now()", points[3]),
                lot.format("point_lot", "expires_at = now() + interval '9 days'", points[4]),
                lot.format("point_lot", "available_at = now() + interval '2 days'", points[5]),
                lot.format("benefit", "redemptions_remaining = 0", benefits[0]),
                lot.format("benefit", "voided_at = now(), void_reason = 'x'", benefits[2]),
                lot.format("benefit", "expires_at = now() - interval '1 hour'", benefits[3]),
                lot.format(
                    "benefit", "redemptions_remaining = NULL, expires_at = NULL", benefits[4]
                ),
                "UPDATE program_settings SET points_to_dollars_rate = 0.0035",
            )
        )
        history(call, profile, index)
    return ids


def history(call: Callable[[str, dict], Any], profile: str, index: int) -> None:
    """Redemptions of each type (by rewards, by points, reversed, returned) and transactions
    in zones with odd offsets, one linked to a redemption."""
    redeem = """mutation($p: ID!, $a: Decimal!, $s: [RedemptionStrategy!]) {
      redeem(input: {profileId: $p, amount: $a, strategies: $s, transactionExternalId: "pos-1"})
      { redemption { id } } }"""
    taken = [
        call(redeem, {"p": profile, "a": amount, "s": strategies})["redeem"]["redemption"]["id"]
        for amount, strategies in (("1.05", ["REWARDS"]), ("0.50", ["POINTS"]),
                                   ("2.00", ["REWARDS", "POINTS"]))
    ]  # fmt: skip
    call(
        """mutation($r: ID!) { reverseRedemption(input: {redemptionId: $r})
        { errors { code } } }""",
        {"r": taken[0]},
    )
    call(
        """mutation($r: ID!) { returnRedemption(input: {redemptionId: $r, amount: "0.70"})
        { errors { code } } }""",
        {"r": taken[2]},
    )
    call(
        """mutation($p: ID!) { redeem(input: {profileId: $p, amount: "0.25",
        strategies: [REWARDS, BENEFITS], benefits: [{handle: "benefit-1", quantity: 2}]})
        { errors { code } } }""",
        {"p": profile},
    )
    items = [
        {"name": "Flat white ☕", "quantity": "0.5", "priceCurrent": "4.50", "priceSell": "4.25",
         "priceOriginal": "5.00", "priceMargin": "1.10", "sku": "FW", "tags": ["hot"]},
        {"name": "Beans", "quantity": 2, "priceCurrent": "18", "priceSell": "18",
         "productVariantId": "b-1", "isReturn": True},
        {"name": "Cup", "quantity": "1.250", "priceCurrent": "0.10", "priceSell": "0.10",
         "isVoid": True},
    ]  # fmt: skip
    for extra in (
        {"timezone": "Asia/Kathmandu", "transactedAt": "2026-03-01T10:00:00.5+00:00",
         "redemptionId": taken[1], "totalOriginal": "40.00", "margin": "3.21",
         "tags": ["vip"], "locationId": "store-1", "receiptRef": "R-1"},
        {"timezone": "America/New_York", "transactedAt": "2026-07-04T23:30:00Z",
         "isVoid": True},
        {"timezone": "Asia/Kolkata", "transactedAt": "2026-07-04T23:30:00Z"},
    ):  # fmt: skip
        made = call(
            """mutation($input: CreateTransactionInput!) { createTransaction(input: $input)
            { transaction { id } } }""",
            {"input": {"profileId": profile, "total": "40.85", "items": items,
                       "externalId": f"t{index}-{extra['timezone']}", **extra}},
        )  # fmt: skip
    call(
        """mutation($t: ID!) { refundTransaction(input: {id: $t}) { errors { code } } }""",
        {"t": made["createTransaction"]["transaction"]["id"]},
    )


PERSONAL = [
    {"birthDate": "1990-02-28", "tags": ["vip", "Ünïcode"]},
    {"birthDate": "1950-12-31", "tags": []},
    {},
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("compiled")
    with serving(folder, LOYALTY_SECRET_KEY=SECRET) as compiling:
        port = free_port()
        env = {
            "DATABASE_URL": compiling.settings.database_url,
            "LOYALTY_ADMIN_TOKEN": ADMIN_TOKEN,
            "LOYALTY_SECRET_KEY": SECRET,
            "PORT": str(port),
            "COMPILED_READS": "false",
            "DISPATCHER_IN_SERVE": "false",
        }
        resolving = serve(env)
        try:
            wait_for_line(resolving, "Uvicorn running")
            drain(resolving)
            with (
                httpx.Client(base_url=compiling.url, headers=HEADERS, timeout=30) as left,
                httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS) as right,
            ):
                ids = setup_data(left, compiling.settings.database_url)
                first = right.post(
                    "/graphql", json={"query": "{ profiles(first: 3) { edges { cursor } } }"}
                ).json()["data"]["profiles"]["edges"]
                lots = right.post(
                    "/graphql",
                    json={
                        "query": "query($id: ID!) { profile(id: $id) { "
                        + " ".join(f"{kind} {{ edges {{ cursor }} }}" for kind in LOTS)
                        + " } }",
                        "variables": {"id": ids[0]},
                    },
                ).json()["data"]["profile"]
                customers = [
                    left.post(
                        "/graphql",
                        json={
                            "query": """mutation($id: ID!) { createCustomerToken(input:
                            {profileId: $id}) { token } }""",
                            "variables": {"id": profile},
                        },
                    ).json()["data"]["createCustomerToken"]["token"]
                    for profile in ids
                ]
                yield {
                    "compiled": left,
                    "resolved": right,
                    "ids": ids,
                    "customers": customers,
                    "cursors": [edge["cursor"] for edge in first],
                    "lot_cursors": {
                        kind: [edge["cursor"] for edge in lots[kind]["edges"]][::2] for kind in LOTS
                    },
                    "database_url": compiling.settings.database_url,
                }
        finally:
            resolving.terminate()
            resolving.wait(10)


def same_answer(
    servers: dict[str, Any],
    query: str,
    variables: dict | None = None,
    token: str = ADMIN_TOKEN,
    compiles: bool = True,
) -> str:
    """The answer both servers give, asserting it is the same and that the compiling
    server compiled it (or, with `compiles=False`, resolved it)."""
    before = compiled_count(servers["compiled"])
    compiled = post(servers["compiled"], query, variables, token)
    resolved = post(servers["resolved"], query, variables, token)
    assert compiled == resolved, (query, variables)
    grew = compiled_count(servers["compiled"]) - before
    assert grew == (1 if compiles else 0), f"compiled {grew} times: {query}"
    return compiled


def same_refusal(servers: dict[str, Any], query: str, variables: dict, token: str) -> None:
    """Both resolve (and refuse what is reached): the same data and error codes. Which sibling
    fields report their refusal before a parent is nulled varies from run to run of the
    resolvers themselves (graphql-core completes them concurrently)."""
    before = compiled_count(servers["compiled"])
    answers = [json.loads(post(servers[side], query, variables, token)) for side in SIDES]
    assert answers[0]["data"] == answers[1]["data"], query
    # No error either when the field is never reached (a list with no rows).
    codes = [{e["extensions"]["code"] for e in answer.get("errors", [])} for answer in answers]
    assert codes[0] == codes[1] and codes[0] <= {"FORBIDDEN"}, query
    assert compiled_count(servers["compiled"]) == before, f"compiled: {query}"


FIXED = [
    """query ProfilesWithRewards { profiles(first: 50) { nodes { id email
      rewards(first: 10) { nodes { id valueRemaining expiresAt definition { handle } } } } } }""",
    """query Balance($id: ID!) { profile(id: $id) { balances {
      rewardBalance pointBalance pointBalanceDollars combinedBalanceDollars } } }""",
    """{ profiles(first: 0) { totalCount nodes { id } } }""",
    f"{{ tierDefinitions {{ {' '.join(TIER_FIELDS)} }} }}",
    """query($id: ID!) { profile(id: $id) { rewards { nodes { issuedLocalAt expiresLocalAt } }
      benefits { nodes { expiresLocalAt } } transactions { nodes { transactedLocalAt
      items { quantity } } } } }""",
    """{ profiles(first: 50) { pageInfo { hasNextPage endCursor } edges { cursor node { id
      rewards(first: 20) { edges { cursor } pageInfo { startCursor endCursor hasNextPage } }
    } } } }""",
    """query($id: ID!) { profile(id: $id) { ...P rewards { totalCount } } }
       fragment P on Profile { id email balances { id benefitBalance } }""",
]


@pytest.mark.parametrize("query", FIXED)
def test_fixed_queries_compile_to_the_same_answer(servers, query):
    for profile_id in [*servers["ids"], str(uuid.uuid4())]:
        same_answer(servers, query, {"id": profile_id} if "$id" in query else None)


def selection(draw: st.DrawFn, fields: list[str], prefix: str) -> str:
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields), unique=True))
    parts = []
    for index, name in enumerate(chosen):
        aliased = index < 2 and name != "__typename" and draw(st.booleans())  # 15 at most
        alias = f"{prefix}{index}: " if aliased else ""
        parts.append(alias + name)
    return " ".join(parts)


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, dict]:
    profile = [selection(draw, PROFILE_FIELDS, "p")]
    if draw(st.booleans()):
        profile.append(f"balances {{ {selection(draw, BALANCE_FIELDS, 'b')} }}")
    if draw(st.booleans()):
        profile.append(f"tier {{ {selection(draw, TIER_FIELDS, 't')} }}")
    variables: dict[str, Any] = {}
    declared = []
    for kind in draw(st.lists(st.sampled_from(sorted(LOTS)), max_size=2, unique=True)):
        fields, links = LOTS[kind]
        arguments = []
        if kind in ("rewards", "points", "benefits"):
            statuses = draw(st.lists(st.sampled_from(STATUSES), max_size=3, unique=True))
            arguments = [f"status: [{', '.join(statuses)}]"] if statuses else []
        if draw(st.booleans()):
            arguments.append(f"first: {draw(st.integers(0, 12))}")
        if draw(st.booleans()):
            variables[f"{kind}After"] = kind  # a cursor of this list, chosen by the test
            declared.append(f"${kind}After: String")
            arguments.append(f"after: ${kind}After")
        node = [selection(draw, fields, kind[0])]
        for name in draw(st.lists(st.sampled_from(sorted(links)), unique=True)) if links else ():
            node.append(f"{name} {{ {selection(draw, links[name], 'd')} }}")
        inner = [f"nodes {{ {' '.join(node)} }}"]
        if draw(st.booleans()):
            inner.append("totalCount")
        if draw(st.booleans()):
            inner.append("edges { cursor node { id } }")
        if draw(st.booleans()):
            inner.append(f"pageInfo {{ {selection(draw, PAGE_FIELDS, 'i')} }}")
        args = f"({', '.join(arguments)})" if arguments else ""
        profile.append(f"{kind}{args} {{ {' '.join(inner)} }}")
    body = " ".join(profile)
    if draw(st.booleans()):
        variables["flag"] = draw(st.booleans())
        declared.append("$flag: Boolean!")
        body = f"{body} email @include(if: $flag) x: id @skip(if: $flag)"
    use_fragment = draw(st.booleans())
    inner = "...F" if use_fragment else body
    root_kind = draw(st.sampled_from(["profile", "profiles", "me"]))
    if root_kind == "me":
        variables["me"] = None  # a customer token, chosen by the test (not a variable)
        root = f"me {{ {inner} }}"
    elif root_kind == "profile":
        variables["id"] = None  # a profile id, chosen by the test
        declared.append("$id: ID!")
        root = f"profile(id: $id) {{ {inner} }}"
    else:
        page = [f"nodes {{ {inner} }}", "totalCount"]
        if draw(st.booleans()):
            page.append(f"pageInfo {{ {selection(draw, PAGE_FIELDS, 'g')} }}")
        if draw(st.booleans()):
            page.append("edges { cursor node { id email } }")
        arguments = f"first: {draw(st.integers(0, 5))}"
        if draw(st.booleans()):
            variables["after"] = None  # a cursor, chosen by the test
            declared.append("$after: String")
            arguments += ", after: $after"
        root = f"profiles({arguments}) {{ {' '.join(page)} }}"
    head = f"query Q({', '.join(declared)})" if declared else "query Q"
    query = f"{head} {{ {root} }}"
    if use_fragment:
        query += f" fragment F on Profile {{ {body} }}"
    return query, variables


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(operation=operations(), which=st.integers(0, 3))
def test_generated_queries_compile_to_the_same_answer(servers, operation, which):
    query, variables = operation
    if "id" in variables:
        ids = [*servers["ids"], str(uuid.uuid4())]
        variables = {**variables, "id": ids[which]}
    if "after" in variables:
        variables = {**variables, "after": [None, *servers["cursors"]][which]}
    for kind in LOTS:
        if f"{kind}After" in variables:
            cursors = servers["lot_cursors"][kind]
            variables = {**variables, f"{kind}After": [None, *cursors][which % (len(cursors) + 1)]}
    if "me" in variables:
        # A customer reads their own profile; some fields are kept for staff: the resolvers
        # refuse them.
        token = servers["customers"][which % len(servers["customers"])]
        variables = {k: v for k, v in variables.items() if k != "me"}
        if any(re.search(rf"\b{name}\b", query) for name in STAFF_FIELDS):
            same_refusal(servers, query, variables, token)
        else:
            same_answer(servers, query, variables, token)
        return
    same_answer(servers, query, variables)


def test_what_the_plan_does_not_cover_is_resolved(servers):
    for query in (
        "{ profiles(last: 2) { nodes { id } } }",
        "{ profiles(first: 2) { nodes { tierProgress { pointsToNext } } } }",
        "{ profiles(first: 2) { nodes { points(last: 2) { nodes { id } } } } }",
        "{ profiles(first: 2) { nodes { transactions { nodes { meta } } } } }",
    ):
        before = compiled_count(servers["compiled"])
        assert post(servers["compiled"], query) == post(servers["resolved"], query)
        assert compiled_count(servers["compiled"]) == before
    refused = post(servers["compiled"], '{ profile(id: "nope") { id } }')
    assert refused == post(servers["resolved"], '{ profile(id: "nope") { id } }')
    assert "BAD_USER_INPUT" in refused


def test_a_caller_without_a_selected_fields_scope_gets_the_resolvers_refusal(servers):
    created = servers["compiled"].post(
        "/graphql",
        json={
            "query": """mutation { createApiToken(input: {name: "narrow",
            scopes: [PROFILES_READ]}) { token } }"""
        },
    )
    narrow = {"authorization": f"Bearer {created.json()['data']['createApiToken']['token']}"}
    query = "{ profiles(first: 2) { nodes { id rewards { totalCount } } } }"
    before = compiled_count(servers["compiled"])
    answers = [
        servers[side].post("/graphql", json={"query": query}, headers=narrow).text
        for side in ("compiled", "resolved")
    ]
    assert answers[0] == answers[1] and "FORBIDDEN" in answers[0]
    assert compiled_count(servers["compiled"]) == before


@settings(max_examples=200, deadline=None)
@given(
    points=st.integers(0, 10**12),
    rate=st.decimals(min_value="0.000001", max_value="1000", places=6),
    cents=st.integers(-(10**15), 10**15),
)
def test_the_sql_forms_of_money_rules_match_python(servers, points, rate, cents):
    sql = f"SELECT {points_to_cents_sql('$1::bigint', '$2::numeric')}, {money_sql('$3::bigint')}"
    database_url = servers["database_url"]
    [(in_sql, shown)] = asyncio.run(run_sql_with(database_url, sql, points, rate, cents))
    assert (in_sql, shown) == (points_to_cents(points, rate), str(from_cents(cents)))


def test_rewards_by_id_and_definition_pages_compile_to_the_same_answer(servers):
    found = servers["resolved"].post(
        "/graphql",
        json={
            "query": "query($id: ID!) { profile(id: $id) { rewards { nodes { id } } } }",
            "variables": {"id": servers["ids"][0]},
        },
    )
    reward_ids = [n["id"] for n in found.json()["data"]["profile"]["rewards"]["nodes"]]
    for reward_id in [*reward_ids, str(uuid.uuid4())]:
        same_answer(
            servers,
            """query($id: ID!) { reward(id: $id) { id status valueRemaining expiresAt
            definition { handle name value } } }""",
            {"id": reward_id},
        )
    pages = """query($after: String, $published: Boolean) {
      rewardDefinitions(first: 1, after: $after, isPublished: $published) {
        totalCount edges { cursor node { id handle name type value } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    for published in (None, True, False):
        answer = same_answer(servers, pages, {"published": published})
        after = json.loads(answer)["data"]["rewardDefinitions"]["pageInfo"]["endCursor"]
        same_answer(servers, pages, {"published": published, "after": after})


BENEFIT_DEFINITION_FIELDS = """id name handle type description shortDescription
  longDescription termsConditions earnInstructions redeemInstructionsStore
  redeemInstructionsOnline icon imageUrl period periodType absoluteExpiry extendDays
  maxRedemptions isAssignable isClaimable isReclaimable isExtendable isReassignable
  isPublished tags createdAt updatedAt claimPeriodStartAt claimPeriodEndAt __typename"""


def test_benefit_definition_pages_compile_to_the_same_answer(servers):
    pages = f"""query($after: String, $published: Boolean, $claimable: Boolean) {{
      benefitDefinitions(first: 1, after: $after, isPublished: $published,
        isClaimable: $claimable) {{ totalCount
        edges {{ cursor node {{ {BENEFIT_DEFINITION_FIELDS} }} }}
        pageInfo {{ hasNextPage hasPreviousPage endCursor }} }} }}"""
    for published in (None, True, False):
        for claimable in (None, True):
            variables = {"published": published, "claimable": claimable}
            after = None
            for _ in range(3):
                answer = same_answer(servers, pages, {**variables, "after": after})
                found = json.loads(answer)["data"]["benefitDefinitions"]["pageInfo"]
                after = found["endCursor"]


def test_what_only_the_resolvers_may_answer_for_a_customer_or_about_me_is_resolved(servers):
    customer = servers["customers"][0]
    own = servers["ids"][0]
    for query, token in (
        ("{ me { id email } }", ADMIN_TOKEN),  # `me` is for customer tokens
        ("{ me { id } rewardDefinitions { totalCount } }", customer),
        (f'{{ profile(id: "{own}") {{ id }} }}', customer),
        ("{ me { id tags } }", customer),  # kept for staff
        ("{ me { benefits { nodes { definition { isPublished } } } } }", customer),
    ):
        answer = same_answer(servers, query, token=token, compiles=False)
        assert "FORBIDDEN" in answer, (query, answer)
    found = same_answer(servers, "{ me { id balances { rewardBalance } } }", token=customer)
    assert json.loads(found)["data"]["me"]["id"] == own


SEARCHES = ["Zo", "zoë", "D0@EXAMPLE", "%", "_", "\\", "  ", "李", "nobody", "BENEFIT-1", "café"]


@pytest.mark.parametrize("search", SEARCHES)
def test_searches_compile_to_the_same_answer(servers, search):
    """`search` matches as the services match it, LIKE's own characters included."""
    for query in (
        """query($s: String) { profiles(search: $s) { totalCount nodes { id email } } }""",
        """query($s: String) { rewardDefinitions(search: $s) { totalCount nodes { handle } }
          benefitDefinitions(search: $s, first: 1) { totalCount nodes { handle } } }""",
    ):
        same_answer(servers, query, {"s": search})
    found = same_answer(servers, f"{{ profiles(search: {json.dumps(search)}) {{ totalCount }} }}")
    expected = {"Zo": 1, "zoë": 1, "D0@EXAMPLE": 1, "%": 0, "_": 0, "nobody": 0, "  ": 3}
    if search in expected:
        assert json.loads(found)["data"]["profiles"]["totalCount"] == expected[search]


def test_every_read_query_of_the_readme_gets_the_same_answer(servers):
    """The README's queries, their ids filled in from the data, on both paths: the same
    answer whether or not the plan covers them; the bench's and the README's profile
    queries compile."""
    from graphql import OperationType, get_operation_ast, parse

    from tests.test_readme import examples

    ids = servers["ids"]
    found = json.loads(
        post(
            servers["resolved"],
            """query($id: ID!) { profile(id: $id) { rewards { nodes { id definition { id } } }
            benefits { nodes { id definition { id } } } redemptions { nodes { id } }
            transactions { nodes { id } } } }""",
            {"id": ids[0]},
        )
    )["data"]["profile"]
    filled = {
        "PROFILE_ID": ids[0],
        "OTHER_PROFILE_ID": ids[1],
        "REWARD_ID": found["rewards"]["nodes"][0]["id"],
        "DEFINITION_ID": found["rewards"]["nodes"][0]["definition"]["id"],
        "BENEFIT_ID": found["benefits"]["nodes"][0]["id"],
        "BENEFIT_DEFINITION_ID": found["benefits"]["nodes"][0]["definition"]["id"],
        "REDEMPTION_ID": found["redemptions"]["nodes"][0]["id"],
        "TRANSACTION_ID": found["transactions"]["nodes"][0]["id"],
    }
    compiled = []
    for name, bodies in examples().items():
        for body in bodies:
            operation = get_operation_ast(parse(body["query"]))
            if operation is None or operation.operation is not OperationType.QUERY:
                continue
            text = json.dumps(body.get("variables") or {})
            for placeholder, value in filled.items():
                text = text.replace(f'"{placeholder}"', json.dumps(value))
            variables = json.loads(text)
            before = compiled_count(servers["compiled"])
            answer = post(servers["compiled"], body["query"], variables)
            assert answer == post(servers["resolved"], body["query"], variables), name
            if compiled_count(servers["compiled"]) > before:
                compiled.append(name)
    assert {"profile", "profiles", "rewardDefinitions"} <= set(compiled), compiled


def test_roots_by_id_or_by_key_compile_to_the_same_answer(servers):
    ids = servers["ids"]
    definition = json.loads(
        post(servers["resolved"], '{ rewardDefinition(handle: "diff") { id } }')
    )
    by_id = definition["data"]["rewardDefinition"]["id"]
    for query, variables in (
        ("query($id: ID) { rewardDefinition(id: $id) { handle value } }", {"id": by_id}),
        ('{ rewardDefinition(handle: "diff") { id name } }', None),
        ('{ rewardDefinition(handle: "none") { id } }', None),
        ('{ benefitDefinition(handle: "benefit-1") { id periodType absoluteExpiry } }', None),
        ('{ transaction(externalId: "t0-Asia/Kathmandu") { id transactedLocalAt } }', None),
        ("query($id: ID!) { balances(profileId: $id) { id rewardBalance benefitBalance } }",
         {"id": ids[0]}),
        ("query($id: ID!) { balances(profileId: $id) { id } }", {"id": str(uuid.uuid4())}),
    ):  # fmt: skip
        same_answer(servers, query, variables)
    for query in (  # refused by the resolvers, with their error
        f'{{ rewardDefinition(id: "{by_id}", handle: "diff") {{ id }} }}',
        "{ rewardDefinition { id } }",
        '{ balances(profileId: "nope") { id } }',
        '{ transaction(id: "nope") { id } }',
        # A cursor is checked when only the count is read, too.
        '{ profiles(after: "bm9wZQ==") { totalCount } }',
        '{ profiles(first: 3) { nodes { rewards(after: "bm9wZQ==") { totalCount } } } }',
    ):
        answer = same_answer(servers, query, compiles=False)
        assert "BAD_USER_INPUT" in answer, answer


SCOPED_QUERIES = [
    "query($id: ID!) { profile(id: $id) { rewards { totalCount } } }",
    "query($id: ID!) { profile(id: $id) { tier { handle } balances { rewardBalance } } }",
    "query($id: ID!) { profile(id: $id) { rewards { nodes { definition { handle } } } } }",
    "query($id: ID!) { profile(id: $id) { rewards { nodes { profile { email } } } } }",
    """query($id: ID!) { profile(id: $id) { redemptions { nodes { total items { value
      reward { id } pointLot { id } } transaction { id } } } } }""",
    """query($id: ID!) { profile(id: $id) { transactions { nodes { total redemption { id }
      profile { id } } } } }""",
    "query($id: ID!) { balances(profileId: $id) { rewardBalance } }",
    "{ tierDefinitions { handle } rewardDefinitions { totalCount } }",
]


@pytest.mark.parametrize(
    "scopes",
    [["PROFILES_READ"], ["PROFILES_READ", "REWARDS_READ"], ["REWARDS_READ", "DEFINITIONS_READ"],
     ["PROFILES_READ", "REDEMPTIONS_READ"], ["PROFILES_READ", "TRANSACTIONS_READ"],
     ["PROFILES_READ", "REDEMPTIONS_READ", "TRANSACTIONS_READ", "REWARDS_READ"]],
)  # fmt: skip
def test_a_token_reads_compiled_what_the_resolvers_let_it_read(servers, scopes):
    """Each entity needs its scope however it is reached: a plan runs only for a caller
    who holds every one its objects and lists need, else the resolvers refuse as before."""
    token = (
        servers["compiled"]
        .post(
            "/graphql",
            json={
                "query": """mutation($s: [Scope!]!) { createApiToken(input: {name: "scoped",
            scopes: $s}) { token } }""",
                "variables": {"s": scopes},
            },
        )
        .json()["data"]["createApiToken"]["token"]
    )
    for query in SCOPED_QUERIES:
        variables = {"id": servers["ids"][0]} if "$id" in query else None
        answers = [
            post(servers[side], query, variables, token) for side in ("compiled", "resolved")
        ]
        assert answers[0] == answers[1], (scopes, query)
