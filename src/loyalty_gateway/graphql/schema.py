"""The schema: every domain's queries and mutations merged into one root each."""

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from loyalty_gateway.graphql.access import (
    AccessMutations,
    AccessQueries,
    AccessSubscriptions,
)
from loyalty_gateway.graphql.audit import AuditQueries, audit_mutations
from loyalty_gateway.graphql.benefits import BenefitMutations, BenefitQueries
from loyalty_gateway.graphql.errors import MaskInternalErrors
from loyalty_gateway.graphql.limits import CostLimiter
from loyalty_gateway.graphql.persisted import PersistedQueries, QueryStore
from loyalty_gateway.graphql.points import PointMutations, PointQueries
from loyalty_gateway.graphql.profiles import ProfileMutations, ProfileQueries
from loyalty_gateway.graphql.ratelimit import RateLimit, make_limiter
from loyalty_gateway.graphql.reactions import (
    ReactionMutations,
    ReactionQueries,
    ReactionSubscriptions,
)
from loyalty_gateway.graphql.redemptions import RedemptionMutations, RedemptionQueries
from loyalty_gateway.graphql.rewards import RewardMutations, RewardQueries
from loyalty_gateway.graphql.scalars import SCALAR_MAP
from loyalty_gateway.graphql.text_input import NoNulInLiterals, NoNulInVariables
from loyalty_gateway.graphql.tiers import TierMutations, TierQueries
from loyalty_gateway.graphql.transactions import TransactionMutations, TransactionQueries
from loyalty_gateway.observability.metrics import OperationMetrics
from loyalty_gateway.settings import Settings

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
        AccessQueries,
        AuditQueries,
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
        AccessMutations,
    ),
)
audit_mutations(Mutation)
Subscription = merge_types("Subscription", (ReactionSubscriptions, AccessSubscriptions))


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with this deployment's limits; production hides introspection and
    field suggestions."""
    limiter = make_limiter(settings)
    # Build the depth and alias rules once: the validation cache keys on the rule classes,
    # and a limiter made per request would make new classes and never hit the cache.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        NoNulInLiterals,
    ]
    persisted = QueryStore(settings.persisted_queries_max)
    extensions: list = [
        # First: the others see the query it fills in from a hash.
        lambda: PersistedQueries(persisted),
        OperationMetrics,
        MaskInternalErrors,
        lambda: RateLimit(limiter),
        lambda: ParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        # After ValidationCache, which sets the validation result this adds to.
        lambda: CostLimiter(max_cost=settings.max_query_cost),
        NoNulInVariables,
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(
            scalar_map=SCALAR_MAP, disable_field_suggestions=settings.is_production
        ),
        extensions=extensions,
    )


schema = build_schema(Settings(loyalty_env="development"))


def sdl() -> str:
    return schema.as_str() + "\n"
