"""The schema: every domain's queries and mutations merged into one root each."""

import logging
import re
from typing import Any

import strawberry
from graphql import GraphQLError, get_named_type
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
from loyalty_gateway.graphql.automations import AutomationMutations, AutomationQueries
from loyalty_gateway.graphql.benefits import BenefitMutations, BenefitQueries
from loyalty_gateway.graphql.described import (
    ARGUMENTS,
    COMMON,
    ENUM_VALUES,
    FIELDS,
    MUTATIONS,
    QUERY,
    TYPES,
)
from loyalty_gateway.graphql.earning import EarningMutations, EarningQueries
from loyalty_gateway.graphql.errors import is_expected
from loyalty_gateway.graphql.inputs import plan_inputs
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
from loyalty_gateway.graphql.targets import TargetMutations, TargetQueries
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
        TargetQueries,
        AutomationQueries,
        EarningQueries,
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
        TargetMutations,
        AutomationMutations,
        EarningMutations,
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
        """Errors the request caused (syntax, validation, limits, authentication,
        permissions) are no fault of the server: an INFO line, no traceback. Unexpected ones
        are logged at ERROR with their traceback where they are masked
        (`errors.mask_unexpected`)."""
        for error in errors:
            if is_expected(error):
                code = (error.extensions or {}).get("code", "INVALID_REQUEST")
                log.info("Refused %s at %s: %s", code, error.path, error.message)


def pipeline_rules(settings: Settings) -> PipelineRules:
    """This deployment's per-request rules; production hides introspection."""
    # Built once: the validation cache keys on the rule classes.
    rules: list[type[ASTValidationRule]] = [QueryTextLiterals]
    if settings.is_production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return PipelineRules(
        compiled=settings.compiled_reads and settings.database_url.startswith("postgres"),
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


def build_schema(settings: Settings, pipeline: PipelineRules | None = None) -> strawberry.Schema:
    """The schema with this deployment's rules (`pipeline_rules`); production hides field
    suggestions."""
    pipeline = pipeline or pipeline_rules(settings)
    built = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(
            scalar_map=SCALAR_MAP, disable_field_suggestions=settings.is_production
        ),
        extensions=[pipeline.extension()],
    )
    describe_common(built)
    plan_inputs(built)
    return built


def describe_common(schema: strawberry.Schema) -> None:
    """Types, fields and arguments without a description of their own get the one written
    for them (TYPES), or for their names (COMMON, ARGUMENTS); a mutation's payload and input
    types say which mutation returns or takes them."""
    graph = schema._schema
    roots = {graph.query_type, graph.mutation_type, graph.subscription_type}
    for mutation, field in (graph.mutation_type.fields if graph.mutation_type else {}).items():
        payload = get_named_type(field.type)
        if not payload.description:
            payload.description = f"What `{mutation}` returns."
        for argument in field.args.values():
            taken = get_named_type(argument.type)
            if not taken.description:
                taken.description = f"What `{mutation}` takes."
    for named in graph.type_map.values():
        if named.name.startswith("__"):
            continue  # introspection's own types
        if not named.description and named.name in TYPES:
            named.description = TYPES[named.name]
        is_payload = named.name.endswith("Payload")
        for value_name, value in getattr(named, "values", {}).items():
            said = ENUM_VALUES.get(f"{named.name}.{value_name}") or ENUM_VALUES.get(value_name)
            if not value.description and said:
                value.description = said
        for name, field in getattr(named, "fields", {}).items():
            if not field.description:
                field.description = _field_description(named, name, is_payload, roots)
            for argument_name, argument in getattr(field, "args", {}).items():
                if not argument.description:
                    argument.description = ARGUMENTS.get(argument_name) or QUERY.get(argument_name)


def _field_description(named: Any, name: str, is_payload: bool, roots: set[Any]) -> str | None:
    """What a field without a description of its own means: written for it (FIELDS), for its
    root (QUERY, MUTATIONS), for a payload's result, or for its name (COMMON)."""
    if f"{named.name}.{name}" in FIELDS:
        return FIELDS[f"{named.name}.{name}"]
    if named.name == "Mutation":
        return MUTATIONS.get(name)
    if named in roots:
        return QUERY.get(name)
    if is_payload and name != "balances":
        words = re.sub(r"(?<!^)([A-Z])", r" \1", name).lower()
        return f"The {words} as the mutation left it; null when `errors` is not empty."
    if is_payload:
        return "The profile's balances after the change, read once it committed."
    return COMMON.get(name)


def sdl() -> str:
    """The schema's SDL as development serves it (`export-schema`, `schema.graphql`)."""
    return build_schema(Settings(loyalty_env=Environment.DEVELOPMENT)).as_str() + "\n"
