"""Scopes a token can carry; `admin` allows everything."""

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

ALL_SCOPES = (
    ADMIN,
    PROFILES_READ,
    PROFILES_WRITE,
    DEFINITIONS_READ,
    DEFINITIONS_WRITE,
    REWARDS_READ,
    REWARDS_WRITE,
    POINTS_WRITE,
    REDEMPTIONS_READ,
    REDEMPTIONS_WRITE,
    TRANSACTIONS_READ,
    TRANSACTIONS_WRITE,
    BENEFITS_WRITE,
    TIERS_WRITE,
    REACTIONS_READ,
    REACTIONS_WRITE,
    TARGETS_WRITE,
    TOKENS_WRITE,
    AUDIT_READ,
)
