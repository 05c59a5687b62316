"""`profiles(search:)` is answered by the trigram indexes, not by reading every profile."""

from tortoise import connections
from tortoise.transactions import in_transaction

from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import search_filter


async def test_the_search_uses_the_trigram_indexes(server):
    sql = Profile.filter(search_filter("smith")).only("id").sql(params_inline=True)
    async with in_transaction() as connection:
        # The table is tiny here: forbid the sequential scan to see what the indexes can do.
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        plan = await connection.execute_query_dict(f"EXPLAIN {sql}")
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    for column in ("first_name", "last_name", "email_normalized"):
        assert f"profile_{column}_trgm" in text, text
    assert connections.get("default").capabilities.dialect == "postgres"
