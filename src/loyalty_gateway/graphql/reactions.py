"""Reactions, runs, custom events, and the live `reactionLog` subscription."""

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.db.keyset import Window
from loyalty_gateway.events.hub import hub
from loyalty_gateway.events.models import Event as EventModel
from loyalty_gateway.graphql.access import ensure_still_valid
from loyalty_gateway.graphql.convert import FromModel, from_model, given, patch_of
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import (
    EventStatus,
    LogKind,
    LogStatus,
    RunStatus,
    Scope,
    StepStatus,
)
from loyalty_gateway.graphql.errors import (
    DeletedPayload,
    UserErrorType,
    answer,
    attempt,
    payload_mutation,
)
from loyalty_gateway.graphql.ids import parse_id, parse_numbered_id, typed_id
from loyalty_gateway.graphql.pagination import Connection, Paged, connection
from loyalty_gateway.graphql.permissions import guarded_by, requires, scoped_field, scoped_mutation
from loyalty_gateway.reactions import service
from loyalty_gateway.reactions.log import entries_after, newest_entry_id
from loyalty_gateway.reactions.models import Reaction as ReactionModel
from loyalty_gateway.reactions.models import ReactionAction as ReactionActionModel
from loyalty_gateway.reactions.models import ReactionLogEntry as LogEntryModel
from loyalty_gateway.reactions.models import ReactionRun as RunModel
from loyalty_gateway.reactions.models import ReactionStep as StepModel


@strawberry.type
class ActionArgument:
    name: str
    value: JSON | None
    is_dynamic: bool | None


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class ReactionAction:
    id: strawberry.ID
    name: str
    sort_order: int
    description: str | None
    arguments: list[ActionArgument]

    @classmethod
    def from_model(cls, model: ReactionActionModel) -> "ReactionAction":
        return from_model(
            cls,
            model,
            arguments=[
                ActionArgument(name=a["name"], value=a.get("value"), is_dynamic=a.get("is_dynamic"))
                for a in model.arguments or []
            ],
        )


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class Reaction(FromModel[ReactionModel]):
    id: strawberry.ID
    name: str
    trigger: str
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def actions(self, info: Info) -> list[ReactionAction]:
        rows = await info.context.loaders.reaction_actions.load(str(self.id))
        return [ReactionAction.from_model(row) for row in rows]


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class Event:
    id: strawberry.ID
    name: str
    profile_id: strawberry.ID | None
    context: JSON
    depth: int
    status: EventStatus
    attempts: int
    last_error: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, model: EventModel) -> "Event":
        return from_model(cls, model, id=typed_id("Event", model.id))


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class ReactionStep(FromModel[StepModel]):
    sort_order: int
    action: str
    status: StepStatus
    arguments: JSON | None = strawberry.field(description="The arguments as resolved.")
    result: JSON | None
    error: str | None
    duration_ms: int


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class ReactionRun(FromModel[RunModel]):
    id: strawberry.ID
    reaction_id: strawberry.ID | None
    reaction_name: str
    trigger: str
    profile_id: strawberry.ID | None
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    event_id: strawberry.Private[int]

    @strawberry.field
    async def reaction(self, info: Info) -> Reaction | None:
        found = await info.context.loaders.row_of(ReactionModel, self.reaction_id)
        return Reaction.from_model(found) if found else None

    @strawberry.field
    async def event(self, info: Info) -> Event:
        return Event.from_model(await info.context.loaders.row(EventModel).load(str(self.event_id)))

    @strawberry.field
    async def steps(self, info: Info) -> list[ReactionStep]:
        rows = await info.context.loaders.run_steps.load(str(self.id))
        return [ReactionStep.from_model(row) for row in rows]


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class ReactionLogEntry:
    id: strawberry.ID
    kind: LogKind
    run_id: strawberry.ID
    reaction_id: strawberry.ID | None
    reaction_name: str
    trigger: str
    event_id: strawberry.ID
    profile_id: strawberry.ID | None
    sort_order: int | None
    action: str | None
    status: LogStatus = strawberry.field(
        description="The run's status on run entries, the step's on STEP entries."
    )
    message: str | None
    result: JSON | None
    at: datetime
    resumed: bool = strawberry.field(
        description="On RUN_STARTED: the run was taken up again (after retryEvent, or a worker "
        "that stopped mid-run), after the steps it had already recorded."
    )

    @classmethod
    def from_model(cls, model: LogEntryModel) -> "ReactionLogEntry":
        return from_model(
            cls,
            model,
            id=typed_id("ReactionLogEntry", model.id),
            event_id=typed_id("Event", model.event_id),
        )


@strawberry.input
class ArgumentInput:
    name: str
    value: JSON | None = None
    is_dynamic: bool | None = None


@strawberry.input
class ActionInput:
    name: str
    sort_order: int
    description: str | None = None
    arguments: list[ArgumentInput] = strawberry.field(default_factory=list)


@strawberry.input
class CreateReactionInput:
    name: str
    trigger: str
    is_active: bool = True
    description: str | None = None
    actions: list[ActionInput] = strawberry.field(default_factory=list)


@strawberry.input
@patch_of(CreateReactionInput)
class UpdateReactionInput:
    id: strawberry.ID
    actions: list[ActionInput] | None = strawberry.field(
        default=strawberry.UNSET, description="When given, replaces every action."
    )


@strawberry.input
class SetReactionActiveInput:
    id: strawberry.ID
    is_active: bool


@strawberry.input
class DeleteReactionInput:
    id: strawberry.ID


@strawberry.type
class ReactionPayload:
    reaction: Reaction | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class EmitEventInput:
    event: str
    profile_id: strawberry.ID
    data: JSON | None = None


@strawberry.input
class RetryEventInput:
    id: strawberry.ID


@strawberry.type
class EventPayload:
    event: Event | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class TestReactionInput:
    context: JSON
    reaction_id: strawberry.ID | None = None
    reaction: CreateReactionInput | None = None


@strawberry.type
class ReactionStepPreview:
    sort_order: int
    action: str
    status: StepStatus
    arguments: JSON | None
    result: JSON | None = strawberry.field(description="What the action would do.")
    error: str | None


@strawberry.type
class TestReactionPayload:
    steps: list[ReactionStepPreview]
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


def domain_actions(actions: list[ActionInput]) -> list[service.ActionInput]:
    return [
        service.ActionInput(
            name=a.name,
            sort_order=a.sort_order,
            description=a.description,
            arguments=[service.ArgumentInput(x.name, x.value, x.is_dynamic) for x in a.arguments],
        )
        for a in actions
    ]


@strawberry.type
class ReactionQueries:
    @scoped_field(Scope.REACTIONS_READ)
    async def reaction(self, id: strawberry.ID) -> Reaction | None:
        found = await ReactionModel.get_or_none(id=parse_id(id))
        return Reaction.from_model(found) if found else None

    @scoped_field(
        Scope.REACTIONS_READ,
        extensions=[Paged(service.REACTION_ORDER)],
    )
    async def reactions(
        self,
        trigger: str | None = None,
        is_active: bool | None = None,
        *,
        window: Window,
    ) -> Connection[Reaction]:
        found = await service.list_reactions(trigger, is_active, window)
        return connection(found, [Reaction.from_model(r) for r in found.rows])

    @scoped_field(Scope.REACTIONS_READ)
    async def reaction_run(self, id: strawberry.ID) -> ReactionRun | None:
        found = await RunModel.get_or_none(id=parse_id(id))
        return ReactionRun.from_model(found) if found else None

    @scoped_field(
        Scope.REACTIONS_READ,
        extensions=[Paged(service.RUN_ORDER)],
        description="Newest first.",
    )
    async def reaction_runs(
        self,
        reaction_id: strawberry.ID | None = None,
        profile_id: strawberry.ID | None = None,
        status: RunStatus | None = None,
        *,
        window: Window,
    ) -> Connection[ReactionRun]:
        found = await service.list_runs(
            parse_id(reaction_id, "reactionId") if reaction_id is not None else None,
            parse_id(profile_id, "profileId") if profile_id is not None else None,
            status,
            window,
        )
        return connection(found, [ReactionRun.from_model(r) for r in found.rows])

    @scoped_field(Scope.REACTIONS_READ)
    async def event(self, id: strawberry.ID) -> Event | None:
        found = await EventModel.get_or_none(id=parse_numbered_id(id, "Event"))
        return Event.from_model(found) if found else None


@strawberry.type
class ReactionMutations:
    @payload_mutation(ReactionPayload, Scope.REACTIONS_WRITE)
    async def create_reaction(self, input: CreateReactionInput) -> ReactionPayload:
        work = service.create_reaction(
            input.name,
            input.trigger,
            input.is_active,
            domain_actions(input.actions),
            input.description,
        )
        return await answer(ReactionPayload, work)

    @payload_mutation(ReactionPayload, Scope.REACTIONS_WRITE)
    async def update_reaction(self, input: UpdateReactionInput) -> ReactionPayload:
        fields = given(input, exclude=("id", "actions"))
        actions = (
            None if input.actions in (None, strawberry.UNSET) else domain_actions(input.actions)
        )
        work = service.update_reaction(str(input.id), fields, actions)
        return await answer(ReactionPayload, work)

    @payload_mutation(ReactionPayload, Scope.REACTIONS_WRITE)
    async def set_reaction_active(self, input: SetReactionActiveInput) -> ReactionPayload:
        work = service.update_reaction(str(input.id), {"is_active": input.is_active}, None)
        return await answer(ReactionPayload, work)

    @payload_mutation(DeletedPayload, Scope.REACTIONS_WRITE)
    async def delete_reaction(self, input: DeleteReactionInput) -> DeletedPayload:
        deleted, errors = await attempt(service.delete_reaction(str(input.id)))
        return DeletedPayload(
            deleted_id=strawberry.ID(str(deleted.id)) if deleted else None, errors=errors
        )

    @payload_mutation(EventPayload, Scope.REACTIONS_WRITE)
    async def emit_event(self, input: EmitEventInput) -> EventPayload:
        work = service.emit_custom_event(input.event, str(input.profile_id), input.data)
        event, errors = await attempt(work)
        return EventPayload(event=Event.from_model(event) if event else None, errors=errors)

    @payload_mutation(EventPayload, Scope.REACTIONS_WRITE)
    async def retry_event(self, input: RetryEventInput) -> EventPayload:
        event, errors = await attempt(service.retry_event(parse_numbered_id(input.id, "Event")))
        return EventPayload(event=Event.from_model(event) if event else None, errors=errors)

    @scoped_mutation(
        Scope.REACTIONS_READ,
        description="A dry run: what each action would do with `context`. Nothing changes.",
    )
    async def test_reaction(self, info: Info, input: TestReactionInput) -> TestReactionPayload:
        inline = (
            (input.reaction.trigger, domain_actions(input.reaction.actions))
            if input.reaction
            else None
        )
        reaction_id = str(input.reaction_id) if input.reaction_id is not None else None
        work = service.test_reaction(reaction_id, inline, input.context, info.context.settings)
        steps, errors = await attempt(work)
        previews = [from_model(ReactionStepPreview, step) for step in steps or []]
        return TestReactionPayload(steps=previews, errors=errors)


@strawberry.type
class ReactionSubscriptions:
    @strawberry.subscription(
        permission_classes=[requires(Scope.REACTIONS_READ)],
        description="Run starts, steps and run ends as they happen. With `afterId`, the "
        "stored entries after that id come first, then live ones, with no gap and no repeat.",
    )
    async def reaction_log(
        self,
        info: Info,
        reaction_id: strawberry.ID | None = None,
        trigger: str | None = None,
        profile_id: strawberry.ID | None = None,
        after_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[ReactionLogEntry, None]:
        filters: dict[str, object] = {}
        if reaction_id is not None:
            filters["reaction_id"] = parse_id(reaction_id, "reactionId")
        if profile_id is not None:
            filters["profile_id"] = parse_id(profile_id, "profileId")
        if trigger is not None:
            filters["trigger"] = trigger
        async with hub.subscribe() as queue:
            if after_id is not None:
                start = parse_numbered_id(after_id, "ReactionLogEntry", "afterId")
            else:
                start = await newest_entry_id()
            principal = info.context.principal
            check = info.context.settings.subscription_check_seconds
            entries = entries_after(
                start, filters, queue, check, lambda: ensure_still_valid(principal)
            )
            async for entry in entries:
                yield ReactionLogEntry.from_model(entry)
