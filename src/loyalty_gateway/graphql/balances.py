"""A profile's balances as GraphQL shows them, on `Profile.balances`, the payloads of the
mutations that change them, and `myBalances`."""

from decimal import Decimal

import strawberry

from loyalty_gateway.balances.service import Balances, balances_of
from loyalty_gateway.core.money import from_cents
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.ids import typed_id
from loyalty_gateway.graphql.permissions import guarded_by
from loyalty_gateway.graphql.scalars import Points


@guarded_by(Scope.PROFILES_READ)
@strawberry.type(name="Balances")
class BalancesType:
    id: strawberry.ID = strawberry.field(
        description="`Balances:<profile id>`: a client cache keeps one Balances per profile, "
        "which every query and mutation that reads it updates."
    )
    reward_balance: Decimal
    point_balance: Points
    point_balance_dollars: Decimal
    combined_balance_dollars: Decimal
    benefit_balance: int = strawberry.field(description="The number of redeemable benefits.")
    pending_point_balance: Points = strawberry.field(
        description="Points earned but not yet spendable (a rate's or definition's pending "
        "period); they join `pointBalance` at their `availableAt`, with no request needed."
    )

    @classmethod
    def from_domain(cls, profile_id: str, balances: Balances) -> "BalancesType":
        return cls(
            id=strawberry.ID(typed_id("Balances", profile_id)),
            reward_balance=from_cents(balances.reward_cents),
            point_balance=balances.points,
            point_balance_dollars=from_cents(balances.point_cents),
            combined_balance_dollars=from_cents(balances.combined_cents),
            benefit_balance=balances.benefits,
            pending_point_balance=balances.pending_points,
        )

    @classmethod
    async def of_profile(cls, profile_id: str | None) -> "BalancesType | None":
        """A mutation payload's balances, read after the change committed and only when the
        client asks for them (a resolver of the payload calls this)."""
        return cls.from_domain(profile_id, await balances_of(profile_id)) if profile_id else None
