"""Text search as the lists read it: a column contains a term, any case. The ORM filter
(Tortoise's `icontains`) and its SQL form come from here, so that the compiled reads match
what the resolvers find; on PostgreSQL the trigram indexes of migration 0006 index these
very expressions."""

import operator
from functools import reduce

from tortoise.expressions import Q
from tortoise.filters import escape_like

Terms = dict[str, str]
"""Column → the term it must contain."""


def matching_any(terms: Terms) -> Q:
    """Rows where any column contains its term, any case."""
    return reduce(operator.or_, (Q(**{f"{column}__icontains": t}) for column, t in terms.items()))


def like_pattern(term: str) -> str:
    """The LIKE pattern `icontains` sends for a term."""
    return f"%{escape_like(term)}%"


def matching_any_sql(alias: str, patterns: Terms) -> str:
    """`matching_any` in SQL: column → an SQL expression holding its `like_pattern`."""
    return " OR ".join(
        f"upper(({alias}.{column})::varchar) LIKE upper({pattern})"
        for column, pattern in patterns.items()
    )
