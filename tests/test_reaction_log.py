"""`reactionLog` over a real graphql-transport-ws WebSocket client."""

import asyncio
import json

import pytest
import websockets

from loyalty_gateway.reactions.models import LogStatus, RunStatus, StepStatus
from tests.support import (
    ADMIN_TOKEN,
    create_benefit_definition,
    create_profile,
    unique,
    ws_url,
)

SUBSCRIBE = """subscription($profile: ID, $after: ID) {
  reactionLog(profileId: $profile, afterId: $after) {
    id kind runId reactionName trigger eventId profileId sortOrder action status message at
    resumed
  }
}"""


async def open_socket(server, token: str = ADMIN_TOKEN):
    socket = await websockets.connect(ws_url(server), subprotocols=["graphql-transport-ws"])
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    return socket


async def entries(socket, variables: dict, until_finished: int, op_id: str = "1") -> list[dict]:
    """Subscribe and collect entries until `until_finished` RUN_FINISHED entries arrived."""
    ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert ack["type"] == "connection_ack"
    await socket.send(
        json.dumps(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": variables},
            }
        )
    )
    received: list[dict] = []
    while sum(1 for e in received if e["kind"] == "RUN_FINISHED") < until_finished:
        message = json.loads(await asyncio.wait_for(socket.recv(), 15))
        assert message["type"] == "next", message
        received.append(message["payload"]["data"]["reactionLog"])
    return received


@pytest.fixture
async def reaction(gql):
    definition = await create_benefit_definition(gql, isAssignable=True)
    event = "custom." + unique("live").replace("-", "_")
    body = {
        "name": "live monitor",
        "trigger": event,
        "actions": [
            {
                "name": "filter",
                "sortOrder": 1,
                "arguments": [{"name": "condition", "value": {"==": [{"var": "data.ok"}, True]}}],
            },
            {
                "name": "benefit.create",
                "sortOrder": 2,
                "arguments": [
                    {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                    {"name": "definition", "value": definition["handle"]},
                ],
            },
        ],
    }
    data = await gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
      { reaction { id trigger } errors { code } } }""",
        {"input": body},
    )
    return data["createReaction"]["reaction"]


async def emit(gql, profile_id: str, event: str, ok: bool = True) -> None:
    await gql(
        """mutation($input: EmitEventInput!) { emitEvent(input: $input) { errors { code } } }""",
        {"input": {"event": event, "profileId": profile_id, "data": {"ok": ok}}},
    )


async def test_a_run_streams_live_in_order_and_resumes_after_an_id(gql, server, reaction):
    profile = await create_profile(gql)
    socket = await open_socket(server)
    try:
        collector = asyncio.create_task(entries(socket, {"profile": profile["id"]}, 1))
        await asyncio.sleep(0.5)  # let the subscription start before the event fires
        await emit(gql, profile["id"], reaction["trigger"])
        live = await collector
    finally:
        await socket.close()
    assert [(e["kind"], e["action"], e["status"]) for e in live] == [
        ("RUN_STARTED", None, "RUNNING"),
        ("STEP", "filter", "PASSED"),
        ("STEP", "benefit.create", "PASSED"),
        ("RUN_FINISHED", None, "COMPLETED"),
    ]
    ids = [int(e["id"].removeprefix("ReactionLogEntry:")) for e in live]
    assert ids == sorted(ids)
    assert {e["runId"] for e in live} == {live[0]["runId"]}
    assert all(e["profileId"] == profile["id"] for e in live)

    await emit(gql, profile["id"], reaction["trigger"], ok=False)
    resumed_socket = await open_socket(server)
    try:
        resumed = await entries(
            resumed_socket, {"profile": profile["id"], "after": live[0]["id"]}, 2
        )
    finally:
        await resumed_socket.close()
    assert [e["id"] for e in resumed[:3]] == [e["id"] for e in live[1:]]
    assert [(e["kind"], e["status"]) for e in resumed[3:]] == [
        ("RUN_STARTED", "RUNNING"),
        ("STEP", "STOPPED"),
        ("RUN_FINISHED", "STOPPED"),
    ]
    assert len({e["id"] for e in resumed}) == len(resumed)


async def test_a_bad_token_closes_the_socket_with_4403(server):
    socket = await open_socket(server, token="lgw_wrong")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd.code == 4403


async def test_a_token_without_the_scope_gets_forbidden(server, token_with):
    socket = await open_socket(server, token=await token_with("profiles:read"))
    try:
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack["type"] == "connection_ack"
        await socket.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {}}}
            )
        )
        message = json.loads(await asyncio.wait_for(socket.recv(), 5))
    finally:
        await socket.close()
    assert message["type"] in ("next", "error")
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_run_taken_up_again_by_retry_event_starts_again_resumed(gql, server):
    handle = unique("later")
    event = "custom." + unique("retry").replace("-", "_")
    body = {
        "name": "resumes",
        "trigger": event,
        "actions": [
            {"name": "benefit.create", "sortOrder": 1,
             "arguments": [{"name": "profile_id", "value": {"var": "profile_id"},
                            "isDynamic": True}, {"name": "definition", "value": handle}]}
        ],
    }  # fmt: skip
    await gql(
        "mutation($input: CreateReactionInput!) { createReaction(input: $input) "
        "{ errors { code } } }",
        {"input": body},
    )
    profile = await create_profile(gql)
    socket = await open_socket(server)
    try:
        first = asyncio.create_task(entries(socket, {"profile": profile["id"]}, 1))
        await asyncio.sleep(0.3)
        emitted = await gql(
            """mutation($input: EmitEventInput!) { emitEvent(input: $input) { event { id } } }""",
            {"input": {"event": event, "profileId": profile["id"]}},
        )
        failed = await first
        assert [(e["kind"], e["status"]) for e in failed] == [
            ("RUN_STARTED", "RUNNING"),
            ("STEP", "FAILED"),
            ("RUN_FINISHED", "FAILED"),
        ]
        await create_benefit_definition(gql, handle=handle, isAssignable=True)
        event_id = emitted["emitEvent"]["event"]["id"]
        await gql("mutation($id: ID!) { retryEvent(input: {id: $id}) { errors { code } } }",
                  {"id": event_id})  # fmt: skip
        resumed = []
        while not any(e["kind"] == "RUN_FINISHED" for e in resumed):
            message = json.loads(await asyncio.wait_for(socket.recv(), 15))
            resumed.append(message["payload"]["data"]["reactionLog"])
    finally:
        await socket.close()
    assert [(e["kind"], e["status"]) for e in resumed] == [
        ("RUN_STARTED", "RUNNING"),
        ("STEP", "PASSED"),
        ("RUN_FINISHED", "COMPLETED"),
    ]
    assert resumed[0]["runId"] == failed[0]["runId"]
    assert [e["resumed"] for e in resumed if e["kind"] == "RUN_STARTED"] == [True]
    assert failed[0]["resumed"] is False


def test_a_log_status_is_a_run_status_or_a_step_status():
    assert {*LogStatus} == {*RunStatus} | {*StepStatus}


async def test_ids_are_unique_across_types(gql, profile):
    """Events, audit entries and log entries are numbered by the database, each from 1: their
    GraphQL ids carry their type, and earlier bare numbers are still taken."""
    emitted = await gql(
        """mutation($p: ID!) { emitEvent(input: {event: "custom.ids", profileId: $p})
        { event { id } errors { code } } }""",
        {"p": profile["id"]},
    )
    event_id = emitted["emitEvent"]["event"]["id"]
    audit_id = (await gql("{ auditLog(first: 1) { nodes { id } } }"))["auditLog"]["nodes"][0]["id"]
    assert event_id.startswith("Event:") and audit_id.startswith("AuditEntry:")
    for given in (event_id, event_id.removeprefix("Event:")):
        found = await gql("query($id: ID!) { event(id: $id) { id } }", {"id": given})
        assert found["event"]["id"] == event_id
    wrong_type = await gql.raw("query($id: ID!) { event(id: $id) { id } }", {"id": audit_id})
    assert wrong_type["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
