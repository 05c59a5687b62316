"""Settings read from the environment (see the table in README.md)."""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite://./data/loyalty.db"
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


DEFAULT_POINTS_TO_DOLLARS_RATE = Decimal("0.01")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str = DEFAULT_DATABASE_URL
    loyalty_admin_token: str | None = None
    points_to_dollars_rate: Decimal = Field(default=DEFAULT_POINTS_TO_DOLLARS_RATE, gt=0)
    db_pool_max: int = Field(default=20, ge=1)
    lock_timeout_seconds: float = Field(default=5, gt=0)
    compiled_reads: bool = True
    loyalty_env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 8000
    reversal_window_minutes: int | None = Field(default=None, ge=1)
    target_allow_private_networks: bool = False
    target_timeout_seconds: float = Field(default=10, gt=0)
    target_max_attempts: int = Field(default=4, ge=1, le=10)
    target_backoff_seconds: float = Field(default=1.0, ge=0)
    dispatcher_in_serve: bool = True
    dispatcher_poll_seconds: float = Field(default=1.0, gt=0)
    dispatcher_concurrency: int = Field(default=8, ge=1)
    dispatcher_stall_seconds: float = Field(default=60, gt=0)
    automation_check_seconds: float = Field(default=30, gt=0)
    event_lease_seconds: float = Field(default=60, gt=0)
    event_max_attempts: int = Field(default=5, ge=1)
    loyalty_secret_key: str | None = None
    customer_token_max_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    graphiql: bool | None = None
    max_query_depth: int = Field(default=10, ge=1)
    max_aliases: int = Field(default=15, ge=0)
    max_tokens: int = Field(default=2000, ge=10)
    max_query_cost: int = Field(default=5000, ge=1)
    max_query_fields: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    http_header_timeout_seconds: float = Field(default=10, gt=0)
    http_body_timeout_seconds: float = Field(default=30, gt=0)
    ws_init_timeout_seconds: float = Field(default=5, gt=0)
    ws_max_subscriptions: int = Field(default=20, ge=1)
    subscription_check_seconds: float = Field(default=5, gt=0)
    ws_ping_seconds: float = Field(default=15, ge=0)
    rate_limit_per_second: float = Field(default=50, gt=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    redis_url: str | None = None
    rate_limit_prefix: str = "loyalty:ratelimit:"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    persisted_queries_max: int = Field(default=1000, ge=0)
    persisted_queries_max_bytes: int = Field(default=4_000_000, ge=0)
    token_cache_seconds: float = Field(default=30, ge=0)
    log_format: str | None = Field(default=None, pattern="^(json|text)$")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def is_production(self) -> bool:
        return self.loyalty_env is Environment.PRODUCTION

    @property
    def json_logs(self) -> bool:
        """JSON lines in production, plain text in development, unless LOG_FORMAT says."""
        return self.log_format == "json" if self.log_format else self.is_production

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.is_production

    @model_validator(mode="after")
    def _secrets_in_production(self) -> "Settings":
        if not self.is_production:
            return self
        if len(self.loyalty_secret_key or "") < MIN_SECRET_LENGTH:
            raise ValueError(
                f"LOYALTY_SECRET_KEY ({MIN_SECRET_LENGTH} characters or more) is required when"
                " LOYALTY_ENV=production"
            )
        if self.loyalty_admin_token and len(self.loyalty_admin_token) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"LOYALTY_ADMIN_TOKEN must have {MIN_SECRET_LENGTH} characters or more when"
                " LOYALTY_ENV=production (it grants every scope)"
            )
        return self

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))
