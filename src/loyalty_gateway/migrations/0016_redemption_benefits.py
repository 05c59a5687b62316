"""Redemption items can use a benefit: which one, how many uses, and how many came back."""

from tortoise import fields

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0015_automations",
    [
        *c.add(
            "RedemptionItem",
            ("benefit", c.link("Benefit", "benefit_id", "redemption_items", null=True)),
            ("restored_uses", fields.IntField(default=0)),
            ("uses", fields.IntField(default=0)),
        ),
        c.check(
            "RedemptionItem",
            "redemption_item_uses_ck",
            "uses >= 0 AND restored_uses >= 0 AND restored_uses <= uses",
        ),
    ],
)
