"""Scopes a token can carry; `admin` allows everything."""

from enum import StrEnum


class Scope(StrEnum):
    """What a token may do. Stored tokens, the CLI and `requiredScope` use the value
    (`profiles:read`); GraphQL shows the name (`PROFILES_READ`)."""

    ADMIN = "admin"
    PROFILES_READ = "profiles:read"
    PROFILES_WRITE = "profiles:write"
    DEFINITIONS_READ = "definitions:read"
    DEFINITIONS_WRITE = "definitions:write"
    REWARDS_READ = "rewards:read"
    REWARDS_WRITE = "rewards:write"
    POINTS_WRITE = "points:write"
    REDEMPTIONS_READ = "redemptions:read"
    REDEMPTIONS_WRITE = "redemptions:write"
    TRANSACTIONS_READ = "transactions:read"
    TRANSACTIONS_WRITE = "transactions:write"
    BENEFITS_WRITE = "benefits:write"
    TIERS_WRITE = "tiers:write"
    REACTIONS_READ = "reactions:read"
    REACTIONS_WRITE = "reactions:write"
    TARGETS_WRITE = "targets:write"
    TOKENS_WRITE = "tokens:write"
    AUDIT_READ = "audit:read"
