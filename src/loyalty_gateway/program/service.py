"""Program settings, stored in one row and seeded from the environment on first read."""

from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.program.models import ProgramSettings
from loyalty_gateway.settings import get_settings

SETTINGS_ID = 1
MAX_RATE = Decimal(1000)


async def get_settings_row() -> ProgramSettings:
    row = await ProgramSettings.get_or_none(id=SETTINGS_ID)
    if row is not None:
        return row
    try:
        return await ProgramSettings.create(
            id=SETTINGS_ID, points_to_dollars_rate=get_settings().points_to_dollars_rate
        )
    except IntegrityError:
        return await ProgramSettings.get(id=SETTINGS_ID)


async def points_to_dollars_rate() -> Decimal:
    """Dollars per point; POINTS_TO_DOLLARS_RATE until `updateProgramSettings` changes it."""
    return Decimal((await get_settings_row()).points_to_dollars_rate)


async def update_rate(rate: Decimal) -> ProgramSettings:
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
    async with in_transaction():
        row = await get_settings_row()
        row.points_to_dollars_rate = rate
        await row.save()
    return row
