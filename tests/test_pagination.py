"""Keyset pages: a cursor holds its row's sort key, so rows added or removed elsewhere never
shift a page, equal sort keys are told apart by id, `last`/`before` read back, and a cursor
this list did not give is BAD_USER_INPUT. The SQL and in-memory windows agree."""

import base64
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from loyalty_gateway.db.keyset import Window, page_of, window_of
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import PROFILE_ORDER
from tests.support import award_points, create_profile, redeem, run_sql, unique

REDEMPTIONS = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  profile(id: $id) { redemptions(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id total } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
PROFILES = """query($search: String, $first: Int, $after: String, $last: Int, $before: String) {
  profiles(search: $search, first: $first, after: $after, last: $last, before: $before) {
    totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
AUDIT = """query($first: Int, $after: String, $op: String) {
  auditLog(first: $first, after: $after, operation: $op) {
    nodes { id } pageInfo { hasNextPage endCursor } } }"""


async def redemptions(gql, profile_id: str, **page) -> dict:
    return (await gql(REDEMPTIONS, {"id": profile_id, **page}))["profile"]["redemptions"]


async def redeemed(gql, profile_id: str, count: int) -> list[str]:
    """Ids of `count` new redemptions, oldest first."""
    return [
        (await redeem(gql, profile_id, "0.01", strategies=["POINTS"]))["redemption"]["id"]
        for _ in range(count)
    ]


@pytest.fixture
async def spender(gql) -> dict:
    profile = await create_profile(gql)
    await award_points(gql, profile["id"], 10_000)
    return profile


async def test_a_newest_first_page_does_not_move_when_rows_arrive(gql, spender):
    older = await redeemed(gql, spender["id"], 4)
    first = await redemptions(gql, spender["id"], first=2)
    assert [e["node"]["id"] for e in first["edges"]] == older[:1:-1]
    newer = await redeemed(gql, spender["id"], 1)  # lands at the head, before page 1
    second = await redemptions(gql, spender["id"], first=2, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in second["edges"]] == older[1::-1]
    assert second["pageInfo"]["hasNextPage"] is False and second["totalCount"] == 5
    back = await redemptions(gql, spender["id"], last=2, before=first["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in back["edges"]] == newer
    assert back["pageInfo"]["hasPreviousPage"] is False


async def test_last_reads_back_from_the_end(gql, spender):
    ids = await redeemed(gql, spender["id"], 5)
    oldest = await redemptions(gql, spender["id"], last=2)
    assert [e["node"]["id"] for e in oldest["edges"]] == ids[1::-1]
    assert oldest["pageInfo"]["hasPreviousPage"] is True
    assert oldest["pageInfo"]["hasNextPage"] is False
    before = await redemptions(gql, spender["id"], last=2, before=oldest["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in before["edges"]] == ids[3:1:-1]


async def test_an_oldest_first_page_reads_on_into_rows_added_at_its_end(gql):
    tag = unique("keyset")
    made = [(await create_profile(gql, firstName=tag))["id"] for _ in range(3)]
    first = (await gql(PROFILES, {"search": tag, "first": 2}))["profiles"]
    assert [n["id"] for n in first["nodes"]] == made[:2]
    made.append((await create_profile(gql, firstName=tag))["id"])
    after = first["pageInfo"]["endCursor"]
    rest = (await gql(PROFILES, {"search": tag, "first": 5, "after": after}))["profiles"]
    assert [n["id"] for n in rest["nodes"]] == made[2:]
    assert rest["pageInfo"] | {"startCursor": None, "endCursor": None} == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_rows_with_equal_sort_keys_are_each_read_once(gql, server):
    tag = unique("tied")
    made = {(await create_profile(gql, firstName=tag))["id"] for _ in range(7)}
    same = "2024-01-01 00:00:00+00:00"
    await run_sql(
        server.settings.database_url,
        f"UPDATE profile SET created_at = '{same}' WHERE first_name = '{tag}'",
    )
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(PROFILES, {"search": tag, "first": 2, "after": after}))["profiles"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == seen and set(seen) == made and len(seen) == 7


async def test_a_deleted_row_does_not_shift_the_audit_log(gql, server):
    operation = "createProfile"
    for _ in range(3):
        await create_profile(gql)
    first = (await gql(AUDIT, {"first": 2, "op": operation}))["auditLog"]
    second_row = first["nodes"][1]["id"]
    number = second_row.removeprefix("AuditEntry:")
    await run_sql(server.settings.database_url, f"DELETE FROM audit_entry WHERE id = {number}")
    after = first["pageInfo"]["endCursor"]
    rest = (await gql(AUDIT, {"first": 1, "after": after, "op": operation}))["auditLog"]
    assert int(rest["nodes"][0]["id"].removeprefix("AuditEntry:")) < int(number)


def cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "after",
    [
        base64.urlsafe_b64encode(b"o:1").decode(),  # an offset cursor of earlier versions
        "not base64 at all",
        cursor(["redemptions", ["2024-01-01T00:00:00+00:00"]]),  # a column short
        cursor(["redemptions", ["2024-01-01T00:00:00", "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"]]),
        cursor(["redemptions", [17, "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"]]),
        cursor(["profiles", ["2024-01-01T00:00:00+00:00", "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"]]),
    ],
)
async def test_a_cursor_this_list_did_not_give_is_bad_user_input(gql, spender, after):
    body = await gql.raw(REDEMPTIONS, {"id": spender["id"], "first": 1, "after": after})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in body["errors"][0]["message"]


async def test_first_and_last_do_not_go_together(gql, spender):
    body = await gql.raw(REDEMPTIONS, {"id": spender["id"], "first": 1, "last": 1})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_sql_and_in_memory_windows_agree(gql, server):
    """The two forms of a keyset window, over generated ties, limits, ends and cursors."""
    tag = unique("windows")
    for _ in range(12):
        await create_profile(gql, firstName=tag)
    rng = random.Random(7)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for row in await Profile.filter(first_name=tag):
        at = base + timedelta(seconds=rng.choice([0, 0, 1, 2, 2, 2, 3]))
        await Profile.filter(id=row.id).update(created_at=at)
    query = Profile.filter(first_name=tag)
    everything = sorted(await query, key=PROFILE_ORDER.sort_key)
    keys = [PROFILE_ORDER.key(row) for row in everything]
    for _ in range(150):
        after, before = rng.choice([None, *keys]), rng.choice([None, *keys])
        window = Window(rng.randint(0, 6), after, before, from_end=rng.random() < 0.5)
        in_sql = await page_of(query, PROFILE_ORDER, window)
        in_memory = window_of(everything, PROFILE_ORDER, window)
        assert [r.id for r in in_sql.rows] == [r.id for r in in_memory.rows], window
        assert (in_sql.more, in_sql.total) == (in_memory.more, in_memory.total), window
