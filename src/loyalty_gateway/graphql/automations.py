"""Automations: reactions fired on a schedule; list, create, change, delete, trigger."""

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.events.models import Event as EventModel
from loyalty_gateway.graphql.convert import from_model, given, patch_of
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import Frequency, Scope
from loyalty_gateway.graphql.errors import DeletedPayload, UserErrorType, attempt, payload_mutation
from loyalty_gateway.graphql.permissions import guarded_by, scoped_field, scoped_mutation
from loyalty_gateway.graphql.reactions import (
    ActionInput,
    Event,
    Reaction,
    ReactionAction,
    domain_actions,
)
from loyalty_gateway.reactions import automations
from loyalty_gateway.reactions.models import Automation as AutomationModel


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class Automation:
    id: strawberry.ID
    name: str
    description: str | None
    is_active: bool
    frequency: Frequency
    hour: int
    weekday: int | None
    day: int | None
    timezone: str
    query: JSON
    last_run_at: datetime | None
    last_period: str | None
    next_run_at: datetime
    created_at: datetime
    updated_at: datetime
    reaction: Reaction

    @classmethod
    def from_model(cls, model: AutomationModel) -> "Automation":
        reaction = model.reaction
        return from_model(
            cls,
            model,
            name=reaction.name,
            description=reaction.description,
            is_active=reaction.is_active,
            reaction=Reaction.from_model(reaction),
        )

    @strawberry.field(description="Its reaction's actions, in order.")
    async def actions(self, info: Info) -> list[ReactionAction]:
        rows = await info.context.loaders.reaction_actions.load(str(self.reaction.id))
        return [ReactionAction.from_model(row) for row in rows]


@strawberry.input
class CreateAutomationInput:
    name: str
    frequency: Frequency
    hour: int
    query: JSON
    actions: list[ActionInput]
    weekday: int | None = None
    day: int | None = None
    timezone: str | None = None
    description: str | None = None
    is_active: bool = True


@strawberry.input
@patch_of(CreateAutomationInput)
class UpdateAutomationInput:
    id: strawberry.ID
    actions: list[ActionInput] | None = strawberry.UNSET


@strawberry.input
class DeleteAutomationInput:
    id: strawberry.ID


@strawberry.input
class TriggerAutomationInput:
    id: strawberry.ID
    now: datetime | None = None


@strawberry.type
class AutomationPayload:
    automation: Automation | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class TriggerAutomationPayload:
    automation: Automation | None
    period: str | None
    events: list[Event] | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


async def _shown(model: AutomationModel | None) -> Automation | None:
    if model is None:
        return None
    await model.fetch_related("reaction")
    return Automation.from_model(model)


@strawberry.type
class AutomationQueries:
    @scoped_field(Scope.REACTIONS_READ)
    async def automations(self) -> list[Automation]:
        return [Automation.from_model(a) for a in await automations.list_automations()]


@strawberry.type
class AutomationMutations:
    @payload_mutation(AutomationPayload, Scope.REACTIONS_WRITE)
    async def create_automation(self, input: CreateAutomationInput) -> AutomationPayload:
        data = automations.AutomationInput(
            **given(input, exclude=("actions",)), actions=domain_actions(input.actions)
        )
        found, errors = await attempt(automations.create_automation(data))
        return AutomationPayload(automation=await _shown(found), errors=errors)

    @payload_mutation(AutomationPayload, Scope.REACTIONS_WRITE)
    async def update_automation(self, input: UpdateAutomationInput) -> AutomationPayload:
        actions = None if input.actions in (None, strawberry.UNSET) else input.actions
        work = automations.update_automation(
            str(input.id),
            given(input, exclude=("id", "actions")),
            domain_actions(actions) if actions is not None else None,
        )
        found, errors = await attempt(work)
        return AutomationPayload(automation=await _shown(found), errors=errors)

    @payload_mutation(DeletedPayload, Scope.REACTIONS_WRITE)
    async def delete_automation(self, input: DeleteAutomationInput) -> DeletedPayload:
        deleted, errors = await attempt(automations.delete_automation(str(input.id)))
        return DeletedPayload(
            deleted_id=strawberry.ID(str(deleted.id)) if deleted else None, errors=errors
        )

    @scoped_mutation(Scope.REACTIONS_WRITE)
    async def trigger_automation(self, input: TriggerAutomationInput) -> TriggerAutomationPayload:
        run, errors = await attempt(automations.trigger_automation(str(input.id), input.now))
        if run is None:
            return TriggerAutomationPayload(
                automation=None, period=None, events=None, errors=errors
            )
        events = await EventModel.filter(id__in=run.event_ids).order_by("id")
        return TriggerAutomationPayload(
            automation=await _shown(run.automation),
            period=run.period,
            events=[Event.from_model(event) for event in events],
            errors=errors,
        )
