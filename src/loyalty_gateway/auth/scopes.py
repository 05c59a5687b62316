"""Scopes a token can carry; `admin` allows everything."""

ADMIN = "admin"
PROFILES_READ = "profiles:read"
PROFILES_WRITE = "profiles:write"
DEFINITIONS_READ = "definitions:read"
DEFINITIONS_WRITE = "definitions:write"
REWARDS_READ = "rewards:read"
REWARDS_WRITE = "rewards:write"

ALL_SCOPES = (
    ADMIN,
    PROFILES_READ,
    PROFILES_WRITE,
    DEFINITIONS_READ,
    DEFINITIONS_WRITE,
    REWARDS_READ,
    REWARDS_WRITE,
)
