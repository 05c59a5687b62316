"""API tokens: created once in plain text, stored as a SHA-256 digest."""

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from loyalty_gateway.auth.cache import TOKENS_CHANNEL, CachedToken, token_cache
from loyalty_gateway.auth.models import ApiToken
from loyalty_gateway.auth.scopes import Scope
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import by_ids
from loyalty_gateway.events.notify import notify

TOKEN_PREFIX = "lgw_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a stored token, the bootstrap admin token, or a customer (a signed,
    expiring token for one profile)."""

    token_id: str | None
    name: str
    scopes: frozenset[str]
    profile_id: str | None = None
    expires_at: datetime | None = None
    digest: str | None = None  # a stored token's, to check it again through the cache

    @property
    def is_customer(self) -> bool:
        return self.profile_id is not None

    @property
    def lapses(self) -> bool:
        """Stored tokens can be revoked and customer tokens expire; the bootstrap admin token
        lasts as the process does."""
        return self.digest is not None or self.expires_at is not None

    def allows(self, scope: str) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(name: str, scopes: Sequence[str]) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is never shown again."""
    if not name.strip():
        raise UserError(ErrorCode.INVALID_INPUT, "A token needs a name", "name")
    unknown = sorted(set(scopes) - set(Scope))
    if unknown or not scopes:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"Unknown or missing scopes {unknown}; known: {', '.join(Scope)}",
            "scopes",
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        name=name.strip(),
        token_hash=digest(plain),
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        scopes=sorted({str(scope) for scope in scopes}),
    )
    return token, plain


async def list_tokens() -> list[ApiToken]:
    return await ApiToken.all().order_by("created_at")


async def revoke_token(token_id: str) -> ApiToken:
    token = await ApiToken.get_or_none(id=require_uuid(token_id, "id"))
    if token is None:
        raise UserError(ErrorCode.NOT_FOUND, f"No token with id {token_id}", "id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await token.save(update_fields=["revoked_at"])
        token_cache.forget(str(token.id))
        await notify(TOKENS_CHANNEL, str(token.id))
    return token


async def has_tokens() -> bool:
    return await ApiToken.exists()


# Without LOYALTY_SECRET_KEY (allowed outside production) customer tokens are signed with a
# key that lives as long as the process.
_PROCESS_SECRET = secrets.token_urlsafe(32)
CUSTOMER_AUDIENCE = "loyalty-gateway:customer"


def _secret(configured: str | None) -> str:
    return configured or _PROCESS_SECRET


def create_customer_token(
    profile_id: str, ttl_seconds: int, secret: str | None, max_ttl: int
) -> tuple[str, datetime]:
    """A signed (HS256) token that lets its holder act as this one profile until it expires."""
    if not 60 <= ttl_seconds <= max_ttl:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"ttlSeconds must be between 60 and {max_ttl}", "ttlSeconds"
        )
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl_seconds)
    claims = {"pid": profile_id, "aud": CUSTOMER_AUDIENCE, "iat": now, "exp": expires_at}
    return jwt.encode(claims, _secret(secret), algorithm="HS256"), expires_at


def _customer(bearer: str, secret: str | None) -> Principal | None:
    try:
        claims = jwt.decode(
            bearer,
            _secret(secret),
            algorithms=["HS256"],
            audience=CUSTOMER_AUDIENCE,
            options={"require": ["exp", "pid"]},
        )
        # Signed with our key, yet the claims may not be ours to trust blindly: a profile id
        # that is no UUID or an expiry past year 9999 is no token this service made.
        profile_id = str(uuid.UUID(str(claims["pid"])))
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError, OSError):
        return None
    return Principal(
        token_id=None,
        name="customer",
        scopes=frozenset(),
        profile_id=profile_id,
        expires_at=expires_at,
    )


async def still_valid(principal: Principal) -> bool:
    """For what outlives a request (a WebSocket, a subscription): the token has not expired or
    been revoked since. A stored token is looked up as `authenticate` does, through the cache,
    which a revocation empties at once in every process that hears it."""
    if principal.expires_at is not None:
        return principal.expires_at > utcnow()
    if principal.digest is None:
        return True
    return (token_cache.get(principal.digest) or await _load_token(principal.digest)) is not None


async def authenticate(
    bearer: str | None, admin_token: str | None, secret: str | None = None
) -> Principal | None:
    """The principal behind a bearer token, or None when it is missing, unknown, revoked or
    expired."""
    if not bearer:
        return None
    if admin_token and hmac.compare_digest(bearer.encode(), admin_token.encode()):
        return Principal(token_id=None, name="LOYALTY_ADMIN_TOKEN", scopes=frozenset({Scope.ADMIN}))
    if bearer.count(".") == 2:
        return _customer(bearer, secret)
    key = digest(bearer)
    stored = token_cache.get(key) or await _load_token(key)
    if stored is None:
        return None
    now = utcnow()
    if stored.last_used_at is None or now - stored.last_used_at > LAST_USED_RESOLUTION:
        await ApiToken.filter(id=stored.token_id).update(last_used_at=now)
        token_cache.touched(key, now)
    return Principal(token_id=stored.token_id, name=stored.name, scopes=stored.scopes, digest=key)


async def _load_token(key: str) -> CachedToken | None:
    generation = token_cache.generation
    found = await by_ids(ApiToken, [key], field="token_hash")
    token = found[0] if found else None
    if token is None or token.revoked_at is not None:
        return None
    stored = CachedToken(
        token_id=str(token.id),
        name=token.name,
        scopes=frozenset(token.scopes),
        last_used_at=token.last_used_at,
        loaded_at=time.monotonic(),
    )
    token_cache.put(key, stored, generation)
    return stored
