"""`profiles(search:)` is answered by the trigram indexes, not by reading every profile, in
both its forms: the ORM filter the resolvers use and the SQL the compiled reads use."""

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from loyalty_gateway.db.search import like_pattern, matching_any, matching_any_sql
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import search_terms

TERMS = search_terms("smith")


def sql_of(form: str) -> str:
    if form == "orm":
        return Profile.filter(matching_any(TERMS)).only("id").sql(params_inline=True)
    patterns = {column: f"'{like_pattern(term)}'" for column, term in TERMS.items()}
    return f"SELECT p.id FROM profile p WHERE {matching_any_sql('p', patterns)}"


@pytest.mark.parametrize("form", ["orm", "sql"])
async def test_the_search_uses_the_trigram_indexes(server, form):
    async with in_transaction() as connection:
        # The table is tiny here: forbid the sequential scan to see what the indexes can do.
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        plan = await connection.execute_query_dict(f"EXPLAIN {sql_of(form)}")
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    for column in ("first_name", "last_name", "email_normalized"):
        assert f"profile_{column}_trgm" in text, text
    assert connections.get("default").capabilities.dialect == "postgres"
