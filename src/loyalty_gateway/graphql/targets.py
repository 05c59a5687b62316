"""Webhook targets: list, create, correct, delete, and try one without sending."""

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from loyalty_gateway.graphql.convert import from_model, given, patch_of
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import DeletedPayload, UserErrorType, attempt, payload_mutation
from loyalty_gateway.graphql.permissions import guarded_by, scoped_field, scoped_mutation
from loyalty_gateway.reactions import targets
from loyalty_gateway.reactions.models import Target as TargetModel


@guarded_by(Scope.REACTIONS_READ)
@strawberry.type
class Target:
    id: strawberry.ID
    name: str
    handle: str
    url: str
    template: str
    headers: JSON
    has_secret: bool
    description: str | None
    condition: JSON | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, model: TargetModel) -> "Target":
        return from_model(cls, model, headers=model.headers or {}, has_secret=bool(model.secret))


@strawberry.input
class CreateTargetInput:
    name: str
    handle: str
    url: str
    template: str
    secret: str | None = None
    headers: JSON | None = None
    description: str | None = None
    condition: JSON | None = None


@strawberry.input
@patch_of(CreateTargetInput)
class UpdateTargetInput:
    id: strawberry.ID


@strawberry.input
class DeleteTargetInput:
    id: strawberry.ID


@strawberry.input
class TestTargetInput:
    id: strawberry.ID
    context: JSON


@strawberry.type
class TargetPayload:
    target: Target | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class TargetRequest:
    method: str
    url: str
    headers: JSON
    body: str


@strawberry.type
class TestTargetPayload:
    would_send: bool | None
    request: TargetRequest | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class TargetQueries:
    @scoped_field(Scope.REACTIONS_READ)
    async def targets(self) -> list[Target]:
        return [Target.from_model(t) for t in await targets.list_targets()]


@strawberry.type
class TargetMutations:
    @payload_mutation(TargetPayload, Scope.TARGETS_WRITE)
    async def create_target(self, input: CreateTargetInput) -> TargetPayload:
        target, errors = await attempt(targets.create_target(given(input)))
        return TargetPayload(target=Target.from_model(target) if target else None, errors=errors)

    @payload_mutation(TargetPayload, Scope.TARGETS_WRITE)
    async def update_target(self, input: UpdateTargetInput) -> TargetPayload:
        work = targets.update_target(str(input.id), given(input, exclude=("id",)))
        target, errors = await attempt(work)
        return TargetPayload(target=Target.from_model(target) if target else None, errors=errors)

    @payload_mutation(DeletedPayload, Scope.TARGETS_WRITE)
    async def delete_target(self, input: DeleteTargetInput) -> DeletedPayload:
        deleted, errors = await attempt(targets.delete_target(str(input.id)))
        return DeletedPayload(
            deleted_id=strawberry.ID(str(deleted.id)) if deleted else None, errors=errors
        )

    @scoped_mutation(Scope.REACTIONS_READ)
    async def test_target(self, input: TestTargetInput) -> TestTargetPayload:
        preview, errors = await attempt(targets.test_target(str(input.id), input.context))
        if preview is None:
            return TestTargetPayload(would_send=None, request=None, errors=errors)
        request = None
        if preview.body is not None:
            headers = cast(JSON, preview.headers)
            request = TargetRequest(
                method="POST", url=preview.url, headers=headers, body=preview.body
            )
        return TestTargetPayload(would_send=preview.would_send, request=request, errors=errors)
