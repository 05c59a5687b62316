from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index

from loyalty_gateway.migrations import _columns as c

# The benefit table's CHECK constraint and index come after CreateModel, as in 0001.
Migration = c.migration(
    "0002_redemptions_transactions",
    [
        c.create(
            "BenefitDefinition",
            "benefit_definition",
            [
                c.uuid_key(),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("type", fields.CharField(default="other", max_length=32)),
                *c.texts(
                    "description",
                    "short_description",
                    "long_description",
                    "terms_conditions",
                    "earn_instructions",
                    "redeem_instructions_store",
                    "redeem_instructions_online",
                    "icon",
                    "image_url",
                ),
                ("period", fields.IntField(null=True)),
                ("period_type", fields.CharField(default="days", max_length=32)),
                c.moment("absolute_expiry"),
                ("extend_days", fields.IntField(null=True)),
                ("max_redemptions", fields.IntField(null=True)),
                *c.flags(
                    is_assignable=True,
                    is_claimable=False,
                    is_reclaimable=False,
                    is_extendable=False,
                    is_reassignable=False,
                    is_published=False,
                ),
                c.json("claim_condition", null=True),
                c.moment("claim_period_start_at"),
                c.moment("claim_period_end_at"),
                c.json("tags", default=list),
                c.created_at(),
                c.updated_at(),
            ],
            table_description="A non-monetary entitlement: issued to profiles, or claimed by them when claimable.",
        ),
        c.create(
            "Benefit",
            "benefit",
            [
                c.uuid_key(),
                (
                    "definition",
                    c.link("BenefitDefinition", "definition_id", "benefits"),
                ),
                (
                    "profile",
                    c.link("Profile", "profile_id", "benefits"),
                ),
                ("timezone", fields.CharField(max_length=64)),
                c.moment("issued_at", null=False),
                c.moment("expires_at"),
                c.moment("extended_at"),
                c.moment("claimed_at"),
                c.moment("voided_at"),
                *c.texts("void_reason"),
                ("redemptions_remaining", fields.IntField(null=True)),
                ("external_id", fields.CharField(null=True, max_length=255)),
                c.json("meta", null=True),
                c.created_at(),
            ],
            table_description="A benefit held by a profile, with `redemptions_remaining` null meaning unlimited.",
        ),
        c.create(
            "BenefitRedemption",
            "benefit_redemption",
            [
                c.uuid_key(),
                (
                    "benefit",
                    c.link("Benefit", "benefit_id", "redemptions"),
                ),
                ("count", fields.IntField()),
                c.created_at(),
            ],
            indexes=[Index(fields=["benefit_id"])],
            table_description="One use (or `count` uses) of a benefit.",
        ),
        c.create(
            "TierDefinition",
            "tier_definition",
            [
                c.uuid_key(),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("value_min", fields.BigIntField()),
                ("value_maintain", fields.BigIntField(null=True)),
                *c.flags(is_floor=False),
                *c.texts(
                    "description",
                    "short_description",
                    "long_description",
                    "terms_conditions",
                    "icon",
                    "image_url",
                ),
                c.json("tags", default=list),
                c.created_at(),
                c.updated_at(),
            ],
            table_description="A tier reached with `value_min` tier points in 12 months and kept with `value_maintain`.",
        ),
        c.create(
            "ProfileTier",
            "profile_tier",
            [
                c.uuid_key(),
                (
                    "profile",
                    c.link(
                        "Profile", "profile_id", "tier_state", OnDelete.CASCADE, one_to_one=True
                    ),
                ),
                (
                    "tier",
                    c.link("TierDefinition", "tier_id", "holders"),
                ),
                c.moment("achieved_at", null=False),
                c.moment("anniversary_at", null=False),
                c.moment("maintained_at"),
                c.moment("assigned_at"),
            ],
            indexes=[Index(fields=["anniversary_at"])],
            table_description="The tier a profile holds, since when, and when it is next reviewed.",
        ),
        c.create(
            "TierPoint",
            "tier_point",
            [
                c.uuid_key(),
                (
                    "profile",
                    c.link("Profile", "profile_id", "tier_points"),
                ),
                ("points", fields.BigIntField()),
                *c.texts("reason"),
                ("timezone", fields.CharField(max_length=64)),
                c.moment("issued_at", null=False),
                c.created_at(),
            ],
            indexes=[Index(fields=["profile_id", "issued_at"])],
            table_description="A tier point entry: tier points count toward a tier for 12 months.",
        ),
        c.check(
            "Benefit",
            "benefit_redemptions_remaining_ck",
            "redemptions_remaining IS NULL OR redemptions_remaining >= 0",
        ),
        c.index("Benefit", "profile_id", "expires_at"),
    ],
)
