"""Nested lists go through DataLoaders: the statement count does not grow with the page."""

from loyalty_gateway.core.time import utcnow
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.rewards.models import Reward
from tests.support import count_queries, create_definition, unique, wait_for_runs

LIST = """query($s: String, $n: Int) {
  profiles(search: $s, first: $n) {
    totalCount
    nodes {
      id email
      balances { rewardBalance combinedBalanceDollars }
      rewards(first: 10) { totalCount nodes { valueRemaining status definition { handle } } }
    }
  }
}"""


async def seed_profiles(definitions: list[dict], count: int) -> str:
    """`count` profiles with one reward per definition, written directly for speed."""
    surname = unique("nplus")
    for index in range(count):
        profile = await Profile.create(
            email=f"{surname}-{index}@example.com",
            email_normalized=f"{surname}-{index}@example.com",
            last_name=surname,
        )
        for definition in definitions:
            await Reward.create(
                definition_id=definition["id"],
                profile=profile,
                value_initial_cents=1000,
                value_remaining_cents=1000,
                value_at_issue_cents=1000,
                timezone="UTC",
                issued_at=utcnow(),
            )
    return surname


async def statements_for(gql, surname: str, size: int) -> int:
    with count_queries() as counter:
        data = await gql(LIST, {"s": surname, "n": size})
    nodes = data["profiles"]["nodes"]
    assert len(nodes) == size
    assert all(node["rewards"]["totalCount"] == 2 for node in nodes)
    assert all(node["balances"]["rewardBalance"] == "20.00" for node in nodes)
    return len(counter.statements)


async def test_listing_profiles_with_rewards_uses_a_constant_number_of_queries(gql):
    definitions = [await create_definition(gql), await create_definition(gql)]
    small = await seed_profiles(definitions, 5)
    large = await seed_profiles(definitions, 50)
    await statements_for(gql, small, 5)  # the first read of the program rate may seed it
    few = await statements_for(gql, small, 5)
    many = await statements_for(gql, large, 50)
    assert few == many
    # count, page, rewards, definitions, and one statement for every balance
    assert many <= 5


RUNS = """query($n: Int) { reactionRuns(first: $n) { nodes {
  status reaction { name actions { name arguments { name } } } event { name } steps { action }
} } }"""


async def test_listing_reaction_runs_uses_a_constant_number_of_queries(gql):
    body = {
        "name": "n+1",
        "trigger": "custom.nplusone",
        "actions": [
            {
                "name": "filter",
                "sortOrder": 1,
                "arguments": [{"name": "condition", "value": {"==": [1, 1]}}],
            }
        ],
    }
    reaction = await gql(
        "mutation($input: CreateReactionInput!) { createReaction(input: $input) "
        "{ reaction { id } } }",
        {"input": body},
    )
    profile = await Profile.create(email=f"{unique('r')}@x.com", email_normalized=unique("r"))
    emit = """mutation($p: ID!) { emitEvent(input: {event: "custom.nplusone", profileId: $p})
      { errors { code } } }"""
    for _ in range(12):
        await gql(emit, {"p": str(profile.id)})
    await wait_for_runs(gql, 12, reaction=reaction["createReaction"]["reaction"]["id"])
    counts = []
    for size in (3, 12):
        with count_queries() as counter:
            data = await gql(RUNS, {"n": size})
        assert len(data["reactionRuns"]["nodes"]) == size
        counts.append(len(counter.statements))
    assert counts[0] == counts[1]
