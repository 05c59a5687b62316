"""The statements the bench's writes send to PostgreSQL: each one a round trip. The audit
entry and the event ride in one statement; what a write made is not read back."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from loyalty_gateway.events.models import Event
from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    unique,
)


class Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip().upper()
        if message.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.sent.append(message)


@contextmanager
def statements() -> Iterator[Statements]:
    logger = logging.getLogger("tortoise.db_client")
    seen, previous = Statements(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(seen)
    try:
        yield seen
    finally:
        logger.removeHandler(seen)
        logger.setLevel(previous)


async def test_a_redeem_is_four_statements_the_context_in_the_write_the_audit_on_the_event(gql):
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="10", period=None)
    await issue_reward(gql, profile["id"], definition["id"])
    with statements() as seen:
        data = await gql(
            """mutation($p: ID!) { redeem(input: {profileId: $p, amount: "1"})
            { redemption { id total } errors { code } } }""",
            {"p": profile["id"]},
        )
    assert data["redeem"]["errors"] == []
    mine = [s for s in seen.sent if "AUDIT_ENTRY" in s or profile["id"].upper() in s]
    audits = [s for s in mine if 'INSERT INTO "AUDIT_ENTRY"' in s]
    assert len(audits) == 1 and 'INSERT INTO "EVENT"' in audits[0], audits
    assert not [s for s in mine if s.startswith("SELECT") and 'FROM "REDEMPTION"' in s]
    writes = [s for s in mine if 'INSERT INTO "REDEMPTION"' in s]
    assert len(writes) == 1 and '"STANDING.REWARD_CENTS"' in writes[0], writes
    assert len(mine) == 4, mine  # lock, lots, the write (+ context), the event (+ audit)
    assert not [s for s in seen.sent if '"BENEFIT_DEFINITION"' in s], seen.sent  # no benefits


async def test_a_sale_is_three_statements_its_profile_context_and_waiting_redemption_in_one(gql):
    """The profile with its context and the redemption waiting for the sale, the sale with
    its items, the event (+ audit): the externalId is not looked up before (its unique index
    answers a repeat)."""
    profile = await create_profile(gql)
    external_id = unique("sale")
    item = {"name": "Tee", "quantity": "1", "priceCurrent": "9.99", "priceSell": "9.99"}
    sale = {
        "profileId": profile["id"],
        "externalId": external_id,
        "total": "9.99",
        "transactedAt": "2026-11-01T10:00:00Z",
        "timezone": "UTC",
        "items": [item],
    }
    with statements() as seen:
        data = await gql(
            """mutation($input: CreateTransactionInput!) { createTransaction(input: $input)
            { transaction { id } errors { code } } }""",
            {"input": sale},
        )
    assert data["createTransaction"]["errors"] == []
    mine = [s for s in seen.sent if external_id.upper() in s or profile["id"].upper() in s]
    assert len(mine) == 3, mine


async def test_an_issued_reward_is_three_statements(gql):
    """The lock with the definition, the reward with the profile's context as it leaves
    it, the event with the audit entry."""
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="10", period=None)
    with statements() as seen:
        reward = await issue_reward(gql, profile["id"], definition["id"])
    mine = [s for s in seen.sent if profile["id"].upper() in s or definition["id"].upper() in s]
    assert len(mine) == 3, mine
    event = await Event.get(name="reward.created", context__contains={"id": reward["id"]})
    assert event.context["profile"]["reward_balance"] == "10.00"


async def test_a_benefit_use_reads_its_benefit_once(gql):
    """The lock, the benefit, the use (+ context), its definition, the event (+ audit): the
    benefit as the use left it is not read back."""
    profile = await create_profile(gql)
    definition = await create_benefit_definition(gql, maxRedemptions=3)
    benefit = await issue_benefit(gql, profile["id"], definition["id"])
    with statements() as seen:
        data = await gql(
            """mutation($p: ID!, $b: ID!) { redeemBenefit(input: {profileId: $p, benefitId: $b})
            { benefit { id redemptionsRemaining } errors { code } } }""",
            {"p": profile["id"], "b": benefit["id"]},
        )
    assert data["redeemBenefit"] == {
        "benefit": {"id": benefit["id"], "redemptionsRemaining": 2},
        "errors": [],
    }
    reads = [s for s in seen.sent if s.startswith("SELECT") and '"BENEFIT" WHERE' in s]
    assert len(reads) == 1, reads


async def test_a_claim_announces_its_benefit_created_and_claimed_in_one_statement(gql):
    profile = await create_profile(gql)
    definition = await create_benefit_definition(gql, isPublished=True, isClaimable=True)
    with statements() as seen:
        data = await gql(
            """mutation($p: ID!, $h: String!) { claimBenefit(input: {profileId: $p,
            definitionHandle: $h, timezone: "UTC"}) { benefit { id } errors { code } } }""",
            {"p": profile["id"], "h": definition["handle"]},
        )
    assert data["claimBenefit"]["errors"] == []
    mine = [s for s in seen.sent if profile["id"].upper() in s]
    events = [s for s in mine if 'INSERT INTO "EVENT"' in s]
    assert len(events) == 1, events
    assert "BENEFIT.CREATED" in events[0] and "BENEFIT.CLAIMED" in events[0]
    assert 'INSERT INTO "AUDIT_ENTRY"' in events[0]


async def test_a_return_reads_only_the_kinds_of_lot_it_took(gql):
    """A redemption that took a reward alone: its return reads no point lot (no query for no
    ids), and the redemption, read again under the lock, by key."""
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="10", period=None)
    await issue_reward(gql, profile["id"], definition["id"])
    redeemed = await gql(
        """mutation($p: ID!) { redeem(input: {profileId: $p, amount: "2"})
        { redemption { id } errors { code } } }""",
        {"p": profile["id"]},
    )
    with statements() as seen:
        data = await gql(
            """mutation($r: ID!) { returnRedemption(input: {redemptionId: $r, amount: "1"})
            { redemption { id } errors { code } } }""",
            {"r": redeemed["redeem"]["redemption"]["id"]},
        )
    assert data["returnRedemption"]["errors"] == []
    assert not [s for s in seen.sent if "WHERE 1=0" in s], seen.sent
    assert not [s for s in seen.sent if 'FROM "POINT_LOT"' in s], seen.sent
