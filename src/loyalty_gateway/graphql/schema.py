"""The schema: every domain's queries and mutations merged into one root each."""

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from loyalty_gateway.graphql.errors import MaskInternalErrors
from loyalty_gateway.graphql.profiles import ProfileMutations, ProfileQueries
from loyalty_gateway.graphql.rewards import RewardMutations, RewardQueries
from loyalty_gateway.graphql.scalars import SCALAR_MAP

Query = merge_types("Query", (ProfileQueries, RewardQueries))
Mutation = merge_types("Mutation", (ProfileMutations, RewardMutations))

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(scalar_map=SCALAR_MAP),
    extensions=[MaskInternalErrors],
)


def sdl() -> str:
    return schema.as_str() + "\n"
