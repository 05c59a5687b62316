"""Hypothesis drives redeem, reverse and return against a simple model of the lots.

The server is a separate `loyalty-gateway serve` process on its own PostgreSQL database,
driven over HTTP, so the test's synchronous rules never block the server.
"""

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import serving

TOKEN = "stateful-" + uuid.uuid4().hex
EXPIRIES = ["2035-01-01T00:00:00Z", "2036-06-01T00:00:00Z", "2038-01-01T00:00:00Z", None]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    limits = {"RATE_LIMIT_PER_SECOND": "100000", "RATE_LIMIT_BURST": "100000"}
    folder = tmp_path_factory.mktemp("stateful")
    with (
        serving(folder, LOYALTY_ADMIN_TOKEN=TOKEN, **limits) as server,
        httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ) as http,
    ):
        RedemptionMachine.database_url = server.settings.database_url
        yield http


async def last_event_context(database_url: str, profile_id: str) -> dict:
    connection = await asyncpg.connect(database_url)
    try:
        found = await connection.fetchval(
            "SELECT context FROM event WHERE profile_id = $1 ORDER BY id DESC LIMIT 1",
            uuid.UUID(profile_id),
        )
    finally:
        await connection.close()
    return json.loads(found)


@dataclass
class Lot:
    id: str
    remaining: int


@dataclass
class Taken:
    lot: int
    cents: int
    restored: int = 0


@dataclass
class ModelRedemption:
    items: list[Taken]
    reversed: bool = False
    undo_ids: list[str] = field(default_factory=list)


class RedemptionMachine(RuleBasedStateMachine):
    http: httpx.Client
    database_url: str

    def __init__(self) -> None:
        super().__init__()
        self.lots: list[Lot] = []
        self.redemptions: dict[str, ModelRedemption] = {}

    def call(self, query: str, variables: dict) -> dict:
        body = self.http.post("/graphql", json={"query": query, "variables": variables}).json()
        assert "errors" not in body, body
        return next(iter(body["data"].values()))

    @initialize(values=st.lists(st.integers(1, 3000), min_size=1, max_size=4))
    def open_account(self, values: list[int]) -> None:
        profile = self.call(
            "mutation($i: CreateProfileInput!) { createProfile(input: $i) { profile { id } } }",
            {"i": {"email": f"{uuid.uuid4().hex}@example.com"}},
        )["profile"]
        definition = self.call(
            "mutation($i: CreateRewardDefinitionInput!) { createRewardDefinition(input: $i) "
            "{ rewardDefinition { id } } }",
            {"i": {"name": "S", "handle": uuid.uuid4().hex, "value": "1", "type": "fixed"}},
        )["rewardDefinition"]
        self.profile_id = profile["id"]
        for cents, expires in zip(values, EXPIRIES, strict=False):
            body = {
                "profileId": self.profile_id,
                "rewardDefinitionId": definition["id"],
                "timezone": "UTC",
                "valueInitial": f"{cents / 100:.2f}",
            }
            if expires:
                body["expiresAt"] = expires
            reward = self.call(
                "mutation($i: IssueRewardInput!) { issueReward(input: $i) { reward { id } } }",
                {"i": body},
            )["reward"]
            self.lots.append(Lot(reward["id"], cents))

    def pick(self, data: st.DataObject) -> str:
        """A redemption by position (ids are random, so drawing one by value would not replay)."""
        ids = list(self.redemptions)
        return ids[data.draw(st.integers(0, 10**6)) % len(ids)]

    def lot_index(self, lot_id: str) -> int:
        return next(i for i, lot in enumerate(self.lots) if lot.id == lot_id)

    @rule(cents=st.integers(1, 8000), strict=st.booleans())
    def redeem(self, cents: int, strict: bool) -> None:
        available = sum(lot.remaining for lot in self.lots)
        result = self.call(
            "mutation($i: RedeemInput!) { redeem(input: $i) { redemption { id items { value "
            "reward { id } } } errors { code } } }",
            {"i": {"profileId": self.profile_id, "amount": f"{cents / 100:.2f}", "strict": strict}},
        )
        if available == 0 or (strict and available < cents):
            assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_BALANCE"]
            return
        expected, left = [], cents
        for index, lot in enumerate(self.lots):  # lots are in expiry order, no expiry last
            take = min(left, lot.remaining)
            if take:
                expected.append(Taken(index, take))
                lot.remaining -= take
                left -= take
        got = [
            Taken(self.lot_index(item["reward"]["id"]), int(Decimal(item["value"]) * 100))
            for item in result["redemption"]["items"]
        ]
        assert got == expected
        self.redemptions[result["redemption"]["id"]] = ModelRedemption(expected)

    @precondition(lambda self: self.redemptions)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        redemption_id = self.pick(data)
        model = self.redemptions[redemption_id]
        result = self.call(
            "mutation($i: ReverseRedemptionInput!) { reverseRedemption(input: $i) "
            "{ redemption { total } errors { code } } }",
            {"i": {"redemptionId": redemption_id}},
        )
        if model.reversed:
            assert [e["code"] for e in result["errors"]] == ["ALREADY_REVERSED"]
            return
        back = 0
        for item in model.items:
            self.lots[item.lot].remaining += item.cents - item.restored
            back += item.cents - item.restored
            item.restored = item.cents
        model.reversed = True
        assert result["redemption"]["total"] == f"{back / 100:.2f}"

    @precondition(lambda self: self.redemptions)
    @rule(data=st.data(), cents=st.integers(1, 3000))
    def give_back(self, data: st.DataObject, cents: int) -> None:
        redemption_id = self.pick(data)
        model = self.redemptions[redemption_id]
        result = self.call(
            "mutation($i: ReturnRedemptionInput!) { returnRedemption(input: $i) "
            "{ redemption { items { value reward { id } } } errors { code } } }",
            {"i": {"redemptionId": redemption_id, "amount": f"{cents / 100:.2f}"}},
        )
        returnable = sum(item.cents - item.restored for item in model.items)
        if model.reversed:
            assert [e["code"] for e in result["errors"]] == ["ALREADY_REVERSED"]
            return
        if cents > returnable:
            assert [e["code"] for e in result["errors"]] == ["RETURN_EXCEEDS_REDEEMED"]
            return
        expected, left = [], cents
        for item in sorted(model.items, key=lambda i: i.lot, reverse=True):  # latest expiry first
            back = min(left, item.cents - item.restored)
            if back:
                expected.append((item.lot, back))
                item.restored += back
                self.lots[item.lot].remaining += back
                left -= back
        got = [
            (self.lot_index(item["reward"]["id"]), int(Decimal(item["value"]) * 100))
            for item in result["redemption"]["items"]
        ]
        assert got == expected

    @invariant()
    def balances_match_the_model(self) -> None:
        if not self.lots:
            return
        ledger = self.call(
            "query($id: ID!) { ledger(profileId: $id) { rewards { balance balanced } } }",
            {"id": self.profile_id},
        )["rewards"]
        expected = sum(lot.remaining for lot in self.lots)
        assert ledger == {"balance": f"{expected / 100:.2f}", "balanced": True}

    @invariant()
    def the_last_event_carries_the_balance_its_write_left(self) -> None:
        """Each write reads the profile's context in its own statement (the rows as it
        writes them): the context of the last event must be the balance now."""
        if not self.lots:
            return
        context = asyncio.run(last_event_context(self.database_url, self.profile_id))
        expected = sum(lot.remaining for lot in self.lots)
        assert context["profile"]["reward_balance"] == f"{expected / 100:.2f}", context["id"]


def test_redeem_reverse_return_against_a_model(client):
    RedemptionMachine.http = client
    run_state_machine_as_test(
        RedemptionMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
