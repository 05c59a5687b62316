"""The schema: every domain's queries and mutations merged into one root each."""

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from loyalty_gateway.graphql.benefits import BenefitMutations, BenefitQueries
from loyalty_gateway.graphql.errors import MaskInternalErrors
from loyalty_gateway.graphql.points import PointMutations, PointQueries
from loyalty_gateway.graphql.profiles import ProfileMutations, ProfileQueries
from loyalty_gateway.graphql.reactions import (
    ReactionMutations,
    ReactionQueries,
    ReactionSubscriptions,
)
from loyalty_gateway.graphql.redemptions import RedemptionMutations, RedemptionQueries
from loyalty_gateway.graphql.rewards import RewardMutations, RewardQueries
from loyalty_gateway.graphql.scalars import SCALAR_MAP
from loyalty_gateway.graphql.tiers import TierMutations, TierQueries
from loyalty_gateway.graphql.transactions import TransactionMutations, TransactionQueries

Query = merge_types(
    "Query",
    (
        ProfileQueries,
        RewardQueries,
        PointQueries,
        RedemptionQueries,
        TransactionQueries,
        TierQueries,
        BenefitQueries,
        ReactionQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        ProfileMutations,
        RewardMutations,
        PointMutations,
        RedemptionMutations,
        TransactionMutations,
        TierMutations,
        BenefitMutations,
        ReactionMutations,
    ),
)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=ReactionSubscriptions,
    config=StrawberryConfig(scalar_map=SCALAR_MAP),
    extensions=[MaskInternalErrors],
)


def sdl() -> str:
    return schema.as_str() + "\n"
