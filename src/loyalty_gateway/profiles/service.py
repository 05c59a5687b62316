"""Profiles: create, update, find, list; each write emits its event in the same transaction."""

import re
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.keyset import Slice, Window, by_creation, page_of
from loyalty_gateway.db.rows import by_ids
from loyalty_gateway.db.search import Terms, matching_any
from loyalty_gateway.events import outbox
from loyalty_gateway.profiles.context import profile_context
from loyalty_gateway.profiles.models import Profile, no_such_profile

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GENDERS = ("male", "female", "withheld", "other")
EDITABLE = (
    "first_name",
    "last_name",
    "email",
    "mobile_phone",
    "birth_date",
    "gender",
    "tags",
    "external_id",
)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    check_text(Profile, cleaned)
    if "email" in cleaned:
        email = (cleaned["email"] or "").strip()
        if not EMAIL.match(email):
            raise UserError(ErrorCode.INVALID_INPUT, f"'{email}' is not an email address", "email")
        cleaned["email"] = email
        cleaned["email_normalized"] = email.lower()
    if cleaned.get("gender") is not None and cleaned["gender"] not in GENDERS:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"gender must be one of {', '.join(GENDERS)}", "gender"
        )
    if "tags" in cleaned:
        cleaned["tags"] = list(dict.fromkeys(cleaned["tags"] or []))
    if isinstance(cleaned.get("birth_date"), date) and cleaned["birth_date"] > date.today():
        raise UserError(ErrorCode.INVALID_DATE, "birthDate is in the future", "birthDate")
    return cleaned


async def _check_unique(cleaned: dict[str, Any], exclude_id: str | None = None) -> None:
    checks = (
        ("email_normalized", ErrorCode.DUPLICATE_EMAIL, "email"),
        ("external_id", ErrorCode.DUPLICATE_EXTERNAL_ID, "externalId"),
    )
    for column, code, field in checks:
        if cleaned.get(column) is None:
            continue
        query = Profile.filter(**{column: cleaned[column]})
        if exclude_id:
            query = query.exclude(id=exclude_id)
        if await query.exists():
            raise UserError(code, f"Another profile already has this {field}", field)


async def create_profile(fields: dict[str, Any]) -> Profile:
    cleaned = _clean({"tags": [], **fields})
    if "email" not in cleaned:
        raise UserError(ErrorCode.INVALID_INPUT, "email is required", "email")
    try:
        async with in_transaction():
            await _check_unique(cleaned)
            profile = await Profile.create(**cleaned)
            await outbox.emit("profile.created", await profile_context(profile), str(profile.id))
    except IntegrityError:
        await _check_unique(cleaned)
        raise
    return profile


async def update_profile(profile_id: str, fields: dict[str, Any]) -> Profile:
    profile_id = require_uuid(profile_id, "id")
    cleaned = _clean(fields)
    async with in_transaction():
        profile = await get_profile(profile_id, field="id")
        await _check_unique(cleaned, exclude_id=profile_id)
        unknown = set(cleaned) - {*EDITABLE, "email_normalized"}
        if unknown:
            raise UserError(ErrorCode.INVALID_INPUT, f"Cannot update {sorted(unknown)}")
        profile.update_from_dict(cleaned)
        await profile.save()
        await outbox.emit("profile.updated", await profile_context(profile), profile_id)
    return profile


async def get_profile(profile_id: str, field: str = "profileId") -> Profile:
    profile = await find_profile(require_uuid(profile_id, field))
    if profile is None:
        raise no_such_profile(profile_id, field)
    return profile


async def find_profile(profile_id: str) -> Profile | None:
    found = await by_ids(Profile, [profile_id])
    return found[0] if found else None


def search_terms(term: str) -> Terms:
    """What a profile search matches (`db/search.py`): first name, last name or email
    contains `term`, any case (the email as it is kept, in lower case)."""
    return {"first_name": term, "last_name": term, "email_normalized": term.lower()}


PROFILE_ORDER = by_creation("profiles")


async def list_profiles(search: str | None, window: Window) -> Slice[Profile]:
    """Profiles, oldest first; `search` as `search_terms` reads it."""
    query = Profile.all()
    if search and search.strip():
        query = query.filter(matching_any(search_terms(search.strip())))
    return await page_of(query, PROFILE_ORDER, window)


async def profiles_by_ids(profile_ids: list[str]) -> dict[str, Profile]:
    return {str(p.id): p for p in await by_ids(Profile, profile_ids)}
