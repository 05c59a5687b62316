"""The schema: every domain's queries and mutations merged into one root each."""

import logging

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from loyalty_gateway.graphql.access import (
    AccessMutations,
    AccessQueries,
    AccessSubscriptions,
)
from loyalty_gateway.graphql.audit import Audited, AuditQueries
from loyalty_gateway.graphql.benefits import BenefitMutations, BenefitQueries
from loyalty_gateway.graphql.limits import QueryLimits
from loyalty_gateway.graphql.loaders import FreshLoaders
from loyalty_gateway.graphql.permissions import guard_types
from loyalty_gateway.graphql.persisted import QueryStore
from loyalty_gateway.graphql.pipeline import PipelineRules
from loyalty_gateway.graphql.points import PointMutations, PointQueries
from loyalty_gateway.graphql.profiles import ProfileMutations, ProfileQueries
from loyalty_gateway.graphql.ratelimit import make_limiter
from loyalty_gateway.graphql.reactions import (
    ReactionMutations,
    ReactionQueries,
    ReactionSubscriptions,
)
from loyalty_gateway.graphql.redemptions import RedemptionMutations, RedemptionQueries
from loyalty_gateway.graphql.rewards import RewardMutations, RewardQueries
from loyalty_gateway.graphql.scalars import SCALAR_MAP
from loyalty_gateway.graphql.text_input import QueryTextLiterals
from loyalty_gateway.graphql.tiers import TierMutations, TierQueries
from loyalty_gateway.graphql.transactions import TransactionMutations, TransactionQueries
from loyalty_gateway.settings import Environment, Settings

log = logging.getLogger(__name__)
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
for mutation in Mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]  # set by @strawberry.type
    mutation.extensions += [FreshLoaders(), Audited()]
guard_types()
Subscription = merge_types("Subscription", (ReactionSubscriptions, AccessSubscriptions))


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors the request caused (validation, limits, authentication, permissions) are
        no fault of the server: a debug line, no traceback. Unexpected ones are logged at
        ERROR with their traceback where they are masked (`errors.mask_unexpected`)."""
        for error in errors:
            log.debug("GraphQL error: %s", error.message)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with this deployment's limits; production hides introspection and
    field suggestions."""
    # Built once: the validation cache keys on the rule classes.
    rules: list[type[ASTValidationRule]] = [QueryTextLiterals]
    if settings.is_production:
        rules.append(NoSchemaIntrospectionCustomRule)
    pipeline = PipelineRules(
        persisted=QueryStore(settings.persisted_queries_max, settings.persisted_queries_max_bytes),
        limiter=make_limiter(settings),
        validation_rules=tuple(rules),
        max_tokens=settings.max_tokens,
        limits=QueryLimits(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_fields=settings.max_query_fields,
            max_cost=settings.max_query_cost,
        ),
    )
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(
            scalar_map=SCALAR_MAP, disable_field_suggestions=settings.is_production
        ),
        extensions=[pipeline.extension()],
    )


def sdl() -> str:
    """The schema's SDL as development serves it (`export-schema`, `schema.graphql`)."""
    return build_schema(Settings(loyalty_env=Environment.DEVELOPMENT)).as_str() + "\n"
