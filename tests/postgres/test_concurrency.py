"""Money under concurrency on PostgreSQL: row locks make parallel tills safe."""

import asyncio
import random
from decimal import Decimal

from loyalty_gateway.benefits.models import Benefit, BenefitRedemption
from loyalty_gateway.redemptions.models import Redemption, RedemptionItem
from loyalty_gateway.rewards.models import Reward
from loyalty_gateway.transactions.models import Transaction, TransactionItem
from tests.support import (
    REDEEM_BENEFIT,
    award_points,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    ledger,
    redeem,
    unique,
)

REVERSE = """mutation($id: ID!) { reverseRedemption(input: {redemptionId: $id}) {
  redemption { id } errors { code } } }"""
RETURN = """mutation($id: ID!, $amount: Decimal!) {
  returnRedemption(input: {redemptionId: $id, amount: $amount}) {
    redemption { id } errors { code } }
}"""
TRANSACTION = """mutation($input: CreateTransactionInput!) {
  createTransaction(input: $input) { transaction { id } errors { code } } }"""
BALANCES = "query($id: ID!) { balances(profileId: $id) { rewardBalance pointBalance } }"


async def test_fifty_tills_redeeming_ten_dollars_from_one_hundred(gql):
    profile = await create_profile(gql)
    definition = await create_definition(gql, period=None)
    for value in ("30", "30", "40"):
        await issue_reward(gql, profile["id"], definition["id"], valueInitial=value)
    results = await asyncio.gather(*(redeem(gql, profile["id"], "10") for _ in range(50)))
    succeeded = [r for r in results if not r["errors"]]
    refused = [r for r in results if r["errors"]]
    assert len(succeeded) == 10
    assert len(refused) == 40
    assert all(r["errors"][0]["code"] == "INSUFFICIENT_BALANCE" for r in refused)
    taken = sum(Decimal(item["value"]) for r in succeeded for item in r["redemption"]["items"])
    assert taken == Decimal("100.00")
    remaining = await Reward.filter(profile_id=profile["id"]).values_list(
        "value_remaining_cents", flat=True
    )
    assert remaining == [0, 0, 0]
    totals = (await ledger(gql, profile["id"]))["rewards"]
    assert (totals["redeemed"], totals["balance"], totals["balanced"]) == ("100.00", "0.00", True)


async def test_twenty_retries_with_one_key_make_one_redemption(gql):
    profile = await create_profile(gql)
    definition = await create_definition(gql, period=None)
    await issue_reward(gql, profile["id"], definition["id"], valueInitial="50")
    key = unique("retry")
    results = await asyncio.gather(
        *(redeem(gql, profile["id"], "7.50", idempotencyKey=key) for _ in range(20))
    )
    assert all(result == results[0] for result in results)
    assert results[0]["errors"] == []
    assert results[0]["balances"]["rewardBalance"] == "42.50"
    assert await Redemption.filter(profile_id=profile["id"]).count() == 1


async def test_a_mixed_storm_keeps_every_ledger_balanced(gql):
    rng = random.Random(20261123)
    definition = await create_definition(gql, period=None)
    profiles = [await create_profile(gql) for _ in range(4)]
    for profile in profiles:
        await issue_reward(gql, profile["id"], definition["id"], valueInitial="20")
        await award_points(gql, profile["id"], 2000)
    redemptions: list[tuple[str, str]] = []
    outcomes: dict[str, int] = {}

    async def operation() -> None:
        profile = rng.choice(profiles)["id"]
        kind = rng.choice(["issue", "award", "redeem", "redeem", "reverse", "return", "link"])
        if kind == "issue":
            await issue_reward(gql, profile, definition["id"], valueInitial=str(rng.randint(1, 9)))
        elif kind == "award":
            await award_points(gql, profile, rng.randint(1, 500))
        elif kind == "redeem":
            strategies = rng.choice([["REWARDS"], ["POINTS"], ["POINTS", "REWARDS"]])
            amount = f"{rng.randint(1, 1500) / 100:.2f}"
            result = await redeem(
                gql, profile, amount, strategies=strategies, strict=rng.random() < 0.5
            )
            if result["redemption"]:
                redemptions.append((profile, result["redemption"]["id"]))
            kind = result["errors"][0]["code"] if result["errors"] else kind
        elif redemptions:
            owner, redemption_id = rng.choice(redemptions)
            if kind == "reverse":
                data = await gql(REVERSE, {"id": redemption_id})
                errors = data["reverseRedemption"]["errors"]
            elif kind == "return":
                amount = f"{rng.randint(1, 500) / 100:.2f}"
                data = await gql(RETURN, {"id": redemption_id, "amount": amount})
                errors = data["returnRedemption"]["errors"]
            else:
                body = {
                    "profileId": owner,
                    "total": "1",
                    "timezone": "UTC",
                    "items": [],
                    "transactedAt": "2026-01-01T00:00:00Z",
                    "redemptionId": redemption_id,
                }
                errors = (await gql(TRANSACTION, {"input": body}))["createTransaction"]["errors"]
            kind = errors[0]["code"] if errors else kind
        outcomes[kind] = outcomes.get(kind, 0) + 1

    for _ in range(10):
        await asyncio.gather(*(operation() for _ in range(20)))

    assert outcomes.get("redeem", 0) > 10 and outcomes.get("reverse", 0) > 0, outcomes
    for profile in profiles:
        book = await ledger(gql, profile["id"])
        balances = (await gql(BALANCES, {"id": profile["id"]}))["balances"]
        assert book["rewards"]["balanced"] and book["points"]["balanced"], book
        assert book["rewards"]["balance"] == balances["rewardBalance"]
        assert book["points"]["balance"] == balances["pointBalance"]
    for redemption in await Redemption.all():
        items = await RedemptionItem.filter(redemption_id=redemption.id)
        assert redemption.total_cents == sum(item.value_cents for item in items)


async def test_twenty_concurrent_uses_of_a_three_use_benefit(gql):
    profile = await create_profile(gql)
    definition = await create_benefit_definition(gql, maxRedemptions=3)
    benefit = await issue_benefit(gql, profile["id"], definition["id"])
    body = {"profileId": profile["id"], "benefitId": benefit["id"]}
    results = await asyncio.gather(*(gql(REDEEM_BENEFIT, {"input": body}) for _ in range(20)))
    payloads = [result["redeemBenefit"] for result in results]
    assert sum(1 for p in payloads if not p["errors"]) == 3
    assert all(p["errors"][0]["code"] == "BENEFIT_EXHAUSTED" for p in payloads if p["errors"])
    assert await BenefitRedemption.filter(benefit_id=benefit["id"]).count() == 3
    assert (await Benefit.get(id=benefit["id"])).redemptions_remaining == 0


async def test_ten_tills_posting_one_sale_store_it_once_and_all_get_it(gql):
    """A till retrying while its first attempt is still in flight: the second waits on the
    externalId's unique index, then is answered from the stored sale. A racing sale with
    other content is DUPLICATE_EXTERNAL_ID, and nothing of it is written."""
    profile = await create_profile(gql)
    sale = {
        "profileId": profile["id"],
        "externalId": unique("till"),
        "total": "5",
        "timezone": "UTC",
        "items": [{"name": "Tee", "quantity": "1", "priceCurrent": "5", "priceSell": "5"}],
        "transactedAt": "2026-01-01T00:00:00Z",
    }
    other = {**sale, "total": "6"}
    results = await asyncio.gather(
        *(gql(TRANSACTION, {"input": other if i == 9 else sale}) for i in range(10))
    )
    answers = [r["createTransaction"] for r in results]
    stored = await Transaction.filter(external_id=sale["externalId"])
    assert len(stored) == 1
    kept = "sale" if stored[0].total_cents == 500 else "other"
    for i, answer in enumerate(answers):
        same = (i == 9) == (kept == "other")
        if same:
            assert answer == {"transaction": {"id": str(stored[0].id)}, "errors": []}, answer
        else:
            assert answer["errors"] == [{"code": "DUPLICATE_EXTERNAL_ID"}], answer
    assert await TransactionItem.filter(transaction_id=stored[0].id).count() == 1
