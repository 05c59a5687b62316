"""A hot write's audit entry is written by the transaction that does its work (PostgreSQL
stamps every row a transaction writes with its id, `xmin`), not after that one commits: a
crash between the two cannot leave a change without its entry."""

from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_reward,
    run_sql,
    unique,
)


async def _written_by(database_url: str, operation: str, table: str, row_id: str) -> list:
    [(entry,)] = await run_sql(
        database_url,
        f"SELECT xmin::text FROM audit_entry WHERE operation = '{operation}' "
        "ORDER BY id DESC LIMIT 1",
    )
    [(row,)] = await run_sql(database_url, f"SELECT xmin::text FROM {table} WHERE id = '{row_id}'")
    return [entry, row]


async def test_a_claim_is_audited_by_its_own_transaction(gql, server):
    profile = await create_profile(gql)
    definition = await create_benefit_definition(gql, isPublished=True, isClaimable=True)
    data = await gql(
        """mutation($p: ID!, $h: String!) { claimBenefit(input: {profileId: $p,
        definitionHandle: $h, timezone: "UTC"}) { benefit { id } errors { code } } }""",
        {"p": profile["id"], "h": definition["handle"]},
    )
    claimed = data["claimBenefit"]
    assert claimed["errors"] == []
    entry, row = await _written_by(
        server.settings.database_url, "claimBenefit", "benefit", claimed["benefit"]["id"]
    )
    assert entry == row


async def test_a_link_is_audited_by_its_own_transaction(gql, server):
    profile = await create_profile(gql)
    await issue_reward(gql, profile["id"], (await create_definition(gql, period=None))["id"])
    redeemed = await gql(
        """mutation($p: ID!) { redeem(input: {profileId: $p, amount: "1"})
        { redemption { id } errors { code } } }""",
        {"p": profile["id"]},
    )
    sale = {
        "profileId": profile["id"],
        "externalId": unique("link"),
        "total": "1.00",
        "transactedAt": "2026-11-01T10:00:00Z",
        "timezone": "UTC",
        "items": [{"name": "Tee", "quantity": "1", "priceCurrent": "1", "priceSell": "1"}],
    }
    created = await gql(
        """mutation($input: CreateTransactionInput!) { createTransaction(input: $input)
        { transaction { id } errors { code } } }""",
        {"input": sale},
    )
    transaction_id = created["createTransaction"]["transaction"]["id"]
    linked = await gql(
        """mutation($t: ID!, $r: ID!) { linkTransaction(input: {transactionId: $t,
        redemptionId: $r}) { transaction { id } errors { code } } }""",
        {"t": transaction_id, "r": redeemed["redeem"]["redemption"]["id"]},
    )
    assert linked["linkTransaction"]["errors"] == []
    entry, row = await _written_by(
        server.settings.database_url, "linkTransaction", '"transaction"', transaction_id
    )
    assert entry == row
