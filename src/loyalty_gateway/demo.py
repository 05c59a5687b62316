"""`loyalty-gateway demo`: a small program to explore. It goes through the GraphQL schema
in-process as the bootstrap admin, so the demo data obeys every rule a client's would.

What it loads: tiers bronze/silver/gold; the seed pages' `birthday-reward` reward definition
and `free-alterations` benefit definition; the seed 000 reaction shape (tier.achieved →
filter → benefit.create), filtered on `gold` since seed 001 says free alterations come with
Gold; the birthday automation seed 002 promises (a `birthday-reward` each morning for the
customers whose birthday it is); and profiles with points, rewards, transactions,
redemptions and tier points."""

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from loyalty_gateway.auth.scopes import Scope
from loyalty_gateway.auth.service import Principal
from loyalty_gateway.graphql.context import Context
from loyalty_gateway.graphql.schema import build_schema
from loyalty_gateway.settings import Settings

TIERS = [
    {"name": "Bronze", "handle": "bronze", "valueMin": 0},
    {"name": "Silver", "handle": "silver", "valueMin": 500, "valueMaintain": 400},
    {"name": "Gold", "handle": "gold", "valueMin": 1000, "valueMaintain": 800},
]
BIRTHDAY_REWARD = {
    "name": "Birthday Reward",
    "handle": "birthday-reward",
    "value": "20.00",
    "type": "fixed",
    "period": 30,
    "description": "A $20 birthday reward valid for 30 days.",
    "shortDescription": "$20 off your next purchase",
    "termsConditions": "Single use. Cannot be combined with other offers.",
    "isAssignable": True,
    "isExtendable": True,
    "isPublished": True,
    "tags": ["birthday", "member-benefit"],
}
FREE_ALTERATIONS = {
    "name": "Free Alterations",
    "handle": "free-alterations",
    "description": "Complimentary alterations for Gold and Platinum members.",
    "shortDescription": "Free alterations on any full-price item.",
    "termsConditions": "In-store only. Full-price items only. One per visit.",
    "period": 365,
    "maxRedemptions": 3,
    "isPublished": True,
    "tags": ["gold", "platinum", "in-store"],
}
GOLD_REACTION = {
    "name": "Gold Achieved — Issue Free Alterations",
    "trigger": "tier.achieved",
    "description": "Issues the free-alterations benefit when a profile achieves gold",
    "actions": [
        {
            "name": "filter",
            "sortOrder": 1,
            "arguments": [
                {"name": "condition", "value": {"===": [{"var": "definition.handle"}, "gold"]}}
            ],
        },
        {
            "name": "benefit.create",
            "sortOrder": 2,
            "arguments": [
                {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                {"name": "definition", "value": "free-alterations"},
            ],
        },
    ],
}
BIRTHDAY_AUTOMATION = {
    "name": "Birthday reward",
    "description": "Each morning, a $20 birthday reward for the customers whose birthday it is",
    "frequency": "DAILY",
    "hour": 8,
    "query": {"==": [{"var": "birthday_today"}, True]},
    "actions": [
        {
            "name": "reward.create",
            "sortOrder": 1,
            "arguments": [
                {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                {"name": "definition", "value": "birthday-reward"},
            ],
        }
    ],
}
FIRST_NAMES = ["Ava", "Noah", "Mia", "Leo", "Zoe", "Kai", "Isla", "Eli", "Ruby", "Max"]
LAST_NAMES = ["Nguyen", "Smith", "Patel", "Garcia", "Brown", "Kim", "Rossi", "Cohen"]
PRODUCTS = [("Linen shirt", "89.95"), ("Chinos", "119.00"), ("Socks", "12.50"), ("Belt", "59.00")]


class DemoAlreadyLoaded(Exception):
    pass


class Demo:
    def __init__(self, settings: Settings) -> None:
        # The demo is one local caller loading data, not a client to throttle.
        settings = settings.model_copy(
            update={"rate_limit_per_second": 1e9, "rate_limit_burst": 10**9, "redis_url": None}
        )
        self.schema = build_schema(settings)
        admin = Principal(token_id=None, name="demo", scopes=frozenset({Scope.ADMIN}))
        self.settings = settings
        self.admin = admin

    async def run(self, document: str, **variables: Any) -> dict[str, Any]:
        """One operation; a GraphQL error or a payload's `errors` stops the demo."""
        context = Context(settings=self.settings, principal=self.admin)
        result = await self.schema.execute(
            document, variable_values=variables, context_value=context
        )
        if result.errors:
            raise RuntimeError(f"demo operation failed: {result.errors[0].message}")
        assert result.data is not None
        for payload in result.data.values():
            if isinstance(payload, dict) and payload.get("errors"):
                raise RuntimeError(f"demo operation refused: {payload['errors']}")
        return result.data


CREATE = (
    "mutation($input: {kind}Input!) {{ {field}(input: $input) {{ errors {{ code message }} }} }}"
)


def _create(kind: str) -> str:
    field = kind[0].lower() + kind[1:]
    return CREATE.format(kind=kind, field=field)


async def is_empty(settings: Settings) -> bool:
    data = await Demo(settings).run("{ profiles(first: 1) { totalCount } }")
    return bool(data["profiles"]["totalCount"] == 0)


async def load_demo(
    settings: Settings, profiles: int = 50, progress: Callable[[int, int], object] | None = None
) -> None:
    demo = Demo(settings)
    existing = await demo.run('{ rewardDefinition(handle: "birthday-reward") { id } }')
    if existing["rewardDefinition"] is not None:
        raise DemoAlreadyLoaded("the demo program is already loaded (birthday-reward exists)")
    for tier in TIERS:
        await demo.run(_create("CreateTierDefinition"), input=tier)
    await demo.run(_create("CreateRewardDefinition"), input=BIRTHDAY_REWARD)
    await demo.run(_create("CreateBenefitDefinition"), input=FREE_ALTERATIONS)
    await demo.run(_create("CreateReaction"), input=GOLD_REACTION)
    await demo.run(_create("CreateAutomation"), input=BIRTHDAY_AUTOMATION)
    rng = random.Random(2026)
    for number in range(1, profiles + 1):
        await _customer(demo, rng, number)
        if progress is not None:
            progress(number, profiles)


async def _customer(demo: Demo, rng: random.Random, number: int) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    created = await demo.run(
        "mutation($input: CreateProfileInput!) { createProfile(input: $input) "
        "{ profile { id } errors { code message } } }",
        input={
            "email": f"{first}.{last}.{number}@demo.example".lower(),
            "firstName": first,
            "lastName": last,
            "tags": rng.sample(["vip", "online", "in-store", "newsletter"], k=2),
            "birthDate": f"{1960 + number % 45}-{1 + number % 12:02d}-{1 + number % 28:02d}",
        },
    )
    profile_id = created["createProfile"]["profile"]["id"]
    zone = "Australia/Sydney"
    await demo.run(
        _create("AwardPoints"),
        input={"profileId": profile_id, "points": rng.randrange(100, 2500, 50), "timezone": zone},
    )
    if rng.random() < 0.6:
        await demo.run(
            _create("IssueReward"),
            input={
                "profileId": profile_id,
                "rewardDefinitionHandle": "birthday-reward",
                "timezone": zone,
            },
        )
    for _ in range(rng.randint(1, 3)):
        await demo.run(_create("CreateTransaction"), input=_transaction(rng, profile_id, zone))
    if rng.random() < 0.3:
        await demo.run(
            _create("Redeem"),
            input={"profileId": profile_id, "amount": "1.00", "strategies": ["REWARDS", "POINTS"]},
        )
    await demo.run(
        _create("AwardTierPoints"),
        input={"profileId": profile_id, "points": rng.randrange(100, 1600, 100), "timezone": zone},
    )


def _transaction(rng: random.Random, profile_id: str, zone: str) -> dict[str, Any]:
    chosen = rng.sample(PRODUCTS, k=rng.randint(1, 3))
    items = [
        {"name": name, "quantity": "1", "priceCurrent": price, "priceSell": price}
        for name, price in chosen
    ]
    return {
        "profileId": profile_id,
        "total": str(sum((Decimal(price) for _, price in chosen), Decimal(0))),
        "transactedAt": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
        "timezone": zone,
        "items": items,
    }
