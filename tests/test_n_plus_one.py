"""Nested lists go through DataLoaders: the statement count does not grow with the page."""

from loyalty_gateway.core.time import utcnow
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.rewards.models import Reward
from tests.support import count_queries, create_definition, unique

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
                value_initial=1000,
                value_remaining=1000,
                value_at_issue=1000,
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
    few = await statements_for(gql, small, 5)
    many = await statements_for(gql, large, 50)
    assert few == many
    # count, page, rewards, definitions; balances: rate, reward, point and benefit sums
    assert many <= 8
