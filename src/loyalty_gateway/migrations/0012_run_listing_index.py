"""An index for listing reaction runs newest first, unfiltered (keyset pages)."""

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0011_reward_columns_in_cents",
    [
        c.index("ReactionRun", "started_at", "id"),
    ],
)
