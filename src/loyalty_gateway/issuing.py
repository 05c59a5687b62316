"""Lots issued from a definition to a profile (rewards, benefits): the input, the checks, the
row, the idempotency and the event, written once. A kind adds its own columns (a reward's
value, a benefit's uses) and its own fields in the event's context."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.transactions import in_transaction

from loyalty_gateway.balances.definitions import DefinitionKind, lot_dates
from loyalty_gateway.balances.extension import check_extension, extend_lot
from loyalty_gateway.balances.locks import lock_profile, once_under_lock
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.time import utcnow, zone
from loyalty_gateway.db.columns import check_text, json_for_storage
from loyalty_gateway.db.rows import by_ids
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import Made
from loyalty_gateway.profiles.context import insert_in_context
from loyalty_gateway.profiles.models import Profile

L = TypeVar("L", bound=Model)
D = TypeVar("D", bound=Model)


@dataclass(kw_only=True)
class LotInput:
    """What issuing any lot to a profile takes besides its kind's own fields: the time zone
    its dates are local to, when it was issued (now when not given) and expires (from its
    definition's period when not given), and what another system knows it by."""

    profile_id: str
    timezone: str
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    external_id: str | None = None
    meta: Any = None


LOT_CONTEXT_KEYS = frozenset(
    {
        "id", "profile_id", "definition", "timezone", "issued_at", "issued_local_at",
        "expires_at", "expires_local_at", "external_id", "meta", "profile",
    }
)  # fmt: skip
"""What every lot's event context holds; a kind adds its own fields."""


def check_assignable(definition: Any, reaction: bool) -> None:
    """Reactions may only issue what a definition marks assignable."""
    if reaction and not definition.is_assignable:
        raise UserError(
            ErrorCode.NOT_ASSIGNABLE, f"'{definition.handle}' is not assignable", "definition"
        )


@dataclass(frozen=True)
class LotKind(Generic[L, D]):
    """One kind of lot issued from definitions. Its `noun` names what the API and the events
    call it: `issueReward`, `rewardDefinitionId` and `rewardDefinitionHandle`, `reward.created`.
    `own` gives a lot's fields of its kind in its event context."""

    noun: str
    lot: type[L]
    definitions: DefinitionKind[D]
    own: Callable[[L], dict[str, Any]]
    inactive: ErrorCode  # what a void lot is when it is asked to change

    def context(self, lot: Any, definition: Any, profile: dict[str, Any]) -> dict[str, Any]:
        """A lot's event context, as Omneo's are: its fields at the root (its kind's after
        its definition), its dates also local to its time zone, the profile nested."""
        tz = zone(lot.timezone)
        return {
            "id": str(lot.id),
            "profile_id": str(lot.profile_id),
            "definition": {
                "id": str(definition.id),
                "handle": definition.handle,
                "name": definition.name,
                "type": definition.type,
            },
            **self.own(lot),
            "timezone": lot.timezone,
            "issued_at": lot.issued_at,
            "issued_local_at": lot.issued_at.astimezone(tz),
            "expires_at": lot.expires_at,
            "expires_local_at": lot.expires_at.astimezone(tz) if lot.expires_at else None,
            "external_id": lot.external_id,
            "meta": lot.meta,
            "profile": profile,
        }

    def announced(
        self, event: str, lot: L, definition: D, profile: dict[str, Any], **extra: Any
    ) -> outbox.Announcement:
        """`<noun>.<event>` for `lot`, with the profile's context (read under its lock)."""
        context = {**self.context(lot, definition, profile), **extra}
        return f"{self.noun}.{event}", context, profile["id"]

    async def emit(
        self, event: str, lot: L, definition: D, profile: dict[str, Any], **extra: Any
    ) -> None:
        await outbox.emit(*self.announced(event, lot, definition, profile, **extra))

    async def create(
        self,
        profile: Profile,
        definition: D,
        data: LotInput,
        dates: tuple[datetime, datetime | None],
        own: dict[str, Any],
        also: tuple[str, ...] = (),
    ) -> tuple[L, dict[str, Any]]:
        """A new lot of `definition` (with the kind's `own` columns), announced as created
        (and as `also` says, in the same statement); with the profile's context, which
        counts it."""
        issued_at, expires_at = dates
        values = {
            "definition_id": definition.pk,
            "profile_id": profile.id,
            "timezone": data.timezone,
            "issued_at": issued_at,
            "expires_at": expires_at,
            "external_id": data.external_id,
            "meta": json_for_storage(data.meta),
            **own,
        }
        lot, context = await insert_in_context(self.lot, values, profile)
        events = ("created", *also)
        await outbox.emit_all([self.announced(e, lot, definition, context) for e in events])
        return lot, context

    async def issue(
        self,
        data: LotInput,
        named: tuple[str | None, str | None],
        idempotency_key: str | None,
        reaction: bool,
        own: Callable[[D], dict[str, Any]],
    ) -> L:
        """Issue a lot of the definition `named` (its id or its handle) under the profile's
        lock, once per idempotency key: a repeat with the same input gets the first lot.
        Reactions may only issue assignable definitions. `own` gives the kind's columns from
        the definition (and checks the input they come from)."""
        made = Made(self.lot, f"{self.noun}_id")
        fields = f"{self.noun}DefinitionId", f"{self.noun}DefinitionHandle"

        async def work(profile: Profile, read_ahead: Model | None) -> dict[str, Any]:
            tz = zone(data.timezone)
            check_text(self.lot, {"external_id": data.external_id})
            definition = await self.definitions.find(*named, *fields, read_ahead)
            check_assignable(definition, reaction)
            columns = own(definition)
            dates = lot_dates(tz, data.issued_at, data.expires_at, definition)
            lot, _ = await self.create(profile, definition, data, dates, columns)
            return made.keep(lot)

        data.profile_id = require_uuid(data.profile_id, "profileId")
        result = await once_under_lock(
            f"issue{self.noun.capitalize()}",
            idempotency_key,
            dict(vars(data)),
            data.profile_id,
            work,
            self.definitions.ref(*named),
        )
        return await made.row(result)

    async def extend(
        self,
        profile_id: str,
        ids: list[str],
        extend_days: int | None,
        extend_date: datetime | None,
    ) -> list[L]:
        """Extend each of the profile's lots `ids` once, under its lock: by days from its
        expiry, or to a date (`balances/extension.py`)."""
        check_extension(ids, extend_days, extend_date)
        now = utcnow()
        async with in_transaction():
            profile = await lock_profile(profile_id)
            lots: list[Any] = await self._held(str(profile.id), ids)
            definitions: dict[str, Any] = await self.definitions.by_ids(
                [str(lot.definition_id) for lot in lots]
            )
            for lot in lots:
                extend_lot(
                    lot,
                    extendable=definitions[str(lot.definition_id)].is_extendable,
                    inactive_code=self.inactive,
                    extend_days=extend_days,
                    extend_date=extend_date,
                    now=now,
                )
                await lot.save(update_fields=["expires_at", "extended_at"])
        return lots

    async def _held(self, profile_id: str, ids: list[str]) -> list[L]:
        """The profile's lots `ids`, each once, in the order given: NOT_FOUND (naming `ids`)
        for one it does not hold, whoever else does."""
        wanted = list(dict.fromkeys(require_uuid(lot_id, "ids") for lot_id in ids))
        found: dict[str, Any] = {str(lot.pk): lot for lot in await by_ids(self.lot, wanted)}
        for lot_id in wanted:
            lot = found.get(lot_id)
            if lot is None or str(lot.profile_id) != profile_id:
                raise UserError(ErrorCode.NOT_FOUND, f"Profile has no {self.noun} {lot_id}", "ids")
        return [found[lot_id] for lot_id in wanted]
