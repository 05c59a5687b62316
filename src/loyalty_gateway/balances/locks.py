"""The one lock order for value changes: the profile row, then its lots."""

from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.profiles.models import Profile


async def lock_profile(profile_id: str, field: str = "profileId") -> Profile:
    """Lock the profile row for the rest of the transaction (a no-op on SQLite, which
    serialises write transactions anyway)."""
    profile = await Profile.select_for_update().get_or_none(id=require_uuid(profile_id, field))
    if profile is None:
        raise UserError(ErrorCode.NOT_FOUND, f"No profile with id {profile_id}", field)
    return profile


async def lock_profiles(profile_ids: list[str], field: str = "profileId") -> list[Profile]:
    """Lock several profiles in id order, so two transactions never wait on each other."""
    return [await lock_profile(pid, field) for pid in sorted(set(profile_ids))]
