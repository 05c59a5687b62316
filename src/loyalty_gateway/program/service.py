"""Program settings, stored in one row: written from the environment when the program first
starts (`seed_program_settings`), changed afterwards only by `updateProgramSettings`."""

from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.time import zone
from loyalty_gateway.program.models import ProgramSettings
from loyalty_gateway.settings import DEFAULT_POINTS_TO_DOLLARS_RATE as DEFAULT_RATE

SETTINGS_ID = 1
MAX_RATE = Decimal(1000)


async def seed_program_settings(rate: Decimal) -> ProgramSettings:
    """The settings row, written with `rate` (POINTS_TO_DOLLARS_RATE) if there is none yet:
    called as each process starts, so a later change of the variable changes nothing."""
    row = await ProgramSettings.get_or_none(id=SETTINGS_ID)
    if row is not None:
        return row
    try:
        return await ProgramSettings.create(id=SETTINGS_ID, points_to_dollars_rate=rate)
    except IntegrityError:  # another process seeded it first
        return await ProgramSettings.get(id=SETTINGS_ID)


async def get_settings_row() -> ProgramSettings:
    """The settings row; a program that never started a process (a test calling services)
    gets it seeded with POINTS_TO_DOLLARS_RATE's default."""
    row = await ProgramSettings.get_or_none(id=SETTINGS_ID)
    return row or await seed_program_settings(DEFAULT_RATE)


async def points_to_dollars_rate() -> Decimal:
    """Dollars per point; POINTS_TO_DOLLARS_RATE until `updateProgramSettings` changes it."""
    return Decimal((await get_settings_row()).points_to_dollars_rate)


async def default_timezone() -> str:
    """The time zone reactions issue in when neither the action nor the triggering record
    names one (`updateProgramSettings(defaultTimezone)`, UTC until then)."""
    return (await get_settings_row()).default_timezone


def _check_rate(rate: Decimal) -> None:
    if not rate.is_finite() or rate <= 0 or rate > MAX_RATE:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"pointsToDollarsRate must be above 0 and at most {MAX_RATE}",
            "pointsToDollarsRate",
        )
    if rate != rate.quantize(Decimal("0.000001")):
        raise UserError(
            ErrorCode.INVALID_INPUT,
            "pointsToDollarsRate has more than 6 decimals",
            "pointsToDollarsRate",
        )


async def update_program_settings(
    rate: Decimal | None = None, timezone: str | None = None
) -> ProgramSettings:
    """Change what is given; the rest stays."""
    if rate is not None:
        _check_rate(rate)
    if timezone is not None:
        zone(timezone, "defaultTimezone")
    async with in_transaction():
        row = await get_settings_row()
        if rate is not None:
            row.points_to_dollars_rate = rate
        if timezone is not None:
            row.default_timezone = timezone
        await row.save()
    return row
