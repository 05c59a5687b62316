"""`target.send` against a real local HTTP server: body, signature, retries, SSRF refusal."""

import asyncio
import hashlib
import hmac
import json

import pytest

from loyalty_gateway.reactions.actions.base import ActionError
from loyalty_gateway.reactions.actions.target_send import check_destination, is_public
from tests.support import Receiver, create_profile, unique, wait_for_event, wait_for_runs
from tests.test_metrics import scrape, value

CREATE_TARGET = """mutation($input: CreateTargetInput!) {
  createTarget(input: $input) { target { id handle hasSecret } errors { code field } }
}"""
CREATE_REACTION = """mutation($input: CreateReactionInput!) {
  createReaction(input: $input) { reaction { id } errors { code field } }
}"""
TEMPLATE = '{"email": "{{ email }}", "score": {{ data.score }}, "tags": {{ tags | json }}}'


async def send_on(gql, receiver: Receiver, event: str) -> dict:
    """A target with a secret and a reaction on `event` that sends to it."""
    handle = unique("hook")
    body = {
        "name": "CRM",
        "handle": handle,
        "url": receiver.url,
        "template": TEMPLATE,
        "secret": "s3cret",
        "headers": {"X-Tenant": "acme"},
    }
    target = (await gql(CREATE_TARGET, {"input": body}))["createTarget"]
    assert target["errors"] == [] and target["target"]["hasSecret"] is True
    reaction = {
        "name": "notify",
        "trigger": event,
        "actions": [
            {
                "name": "target.send",
                "sortOrder": 1,
                "arguments": [{"name": "target", "value": handle}],
            }
        ],
    }
    data = (await gql(CREATE_REACTION, {"input": reaction}))["createReaction"]
    assert data["errors"] == []
    return data["reaction"]


async def emit(gql, profile_id: str, event: str) -> None:
    await gql(
        """mutation($input: EmitEventInput!) { emitEvent(input: $input) { errors { code } } }""",
        {"input": {"event": event, "profileId": profile_id, "data": {"score": 9}}},
    )


async def test_signed_delivery_with_retries_on_500(gql, server, receiver, monkeypatch):
    monkeypatch.setattr(server.settings, "target_allow_private_networks", True)
    monkeypatch.setattr(server.settings, "target_backoff_seconds", 0.01)
    receiver.failures = 2
    event = "custom." + unique("hooked").replace("-", "_")
    reaction = await send_on(gql, receiver, event)
    profile = await create_profile(gql, tags=["vip"])
    await emit(gql, profile["id"], event)
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert run["status"] == "COMPLETED", run
    assert run["steps"][0]["result"]["attempts"] == 3
    assert len(receiver.requests) == 3
    headers, body = receiver.requests[-1]
    assert json.loads(body) == {"email": profile["email"], "score": 9, "tags": ["vip"]}
    expected = hmac.new(
        b"s3cret", headers["X-Loyalty-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Loyalty-Signature"] == f"sha256={expected}"
    assert headers["X-Tenant"] == "acme"
    deliveries = {h["X-Loyalty-Delivery"] for h, _ in receiver.requests}
    assert deliveries == {f"{run['id']}:1"}


async def test_delivery_gives_up_after_the_last_attempt(gql, http, server, receiver, monkeypatch):
    monkeypatch.setattr(server.settings, "target_allow_private_networks", True)
    monkeypatch.setattr(server.settings, "target_backoff_seconds", 0.01)
    monkeypatch.setattr(server.settings, "target_max_attempts", 2)
    receiver.failures = 10
    event = "custom." + unique("down").replace("-", "_")
    reaction = await send_on(gql, receiver, event)
    profile = await create_profile(gql)
    before = await scrape(http, server)
    await emit(gql, profile["id"], event)
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert run["status"] == "FAILED"
    assert run["steps"][0]["error"].startswith("DELIVERY_FAILED")
    assert len(receiver.requests) == 2
    after = await scrape(http, server)
    for name, labels in [
        ("loyalty_webhook_deliveries", {"outcome": "FAILED"}),
        ("loyalty_reaction_runs", {"status": "FAILED"}),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == 1


async def test_private_addresses_are_refused_unless_allowed(gql, server, receiver):
    assert server.settings.target_allow_private_networks is False
    event = "custom." + unique("ssrf").replace("-", "_")
    reaction = await send_on(gql, receiver, event)
    profile = await create_profile(gql)
    await emit(gql, profile["id"], event)
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert run["status"] == "FAILED"
    assert run["steps"][0]["error"].startswith("PRIVATE_ADDRESS_REFUSED")
    assert receiver.requests == []


async def test_bad_targets_are_refused(gql):
    for change, field in (
        ({"url": "ftp://x"}, "url"),
        ({"template": "{{ unclosed"}, "template"),
        ({"handle": "bad handle"}, "handle"),
    ):
        body = {
            "name": "T",
            "handle": unique("t"),
            "url": "https://example.com/h",
            "template": "{}",
            **change,
        }
        data = (await gql(CREATE_TARGET, {"input": body}))["createTarget"]
        assert [e["field"] for e in data["errors"]] == [field]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b::a00:1]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "http://224.0.0.1/hook",
        "http://[ff02::1]/hook",
        "http://240.0.0.1/hook",
    ],
)
async def test_non_public_destinations_are_refused(url):
    with pytest.raises(ActionError) as refused:
        await check_destination(url, allow_private=False)
    assert refused.value.code == "PRIVATE_ADDRESS_REFUSED"


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "2002:5db8:d822::1"]
)
def test_public_addresses_pass(address):
    assert is_public(address)


async def test_redirects_are_never_followed(gql, server, receiver, monkeypatch):
    """A target that redirects (say, into 169.254.169.254) fails instead of being followed."""
    monkeypatch.setattr(server.settings, "target_allow_private_networks", True)
    receiver.redirect_to = "http://169.254.169.254/latest/meta-data"
    event = "custom." + unique("redirect").replace("-", "_")
    reaction = await send_on(gql, receiver, event)
    profile = await create_profile(gql)
    await emit(gql, profile["id"], event)
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert run["status"] == "FAILED"
    assert run["steps"][0]["error"].startswith("TARGET_REFUSED")
    assert len(receiver.requests) == 1


async def test_a_hanging_webhook_holds_up_only_its_own_profiles_later_events(
    gql, server, receiver, monkeypatch
):
    monkeypatch.setattr(server.settings, "target_allow_private_networks", True)
    receiver.hold = asyncio.Event()
    slow = "custom." + unique("slow").replace("-", "_")
    await send_on(gql, receiver, slow)
    waiting, other = await create_profile(gql), await create_profile(gql)
    emitted = """mutation($input: EmitEventInput!) { emitEvent(input: $input) { event { id } } }"""

    async def emit_id(profile: dict, event: str) -> str:
        body = {"input": {"event": event, "profileId": profile["id"], "data": {"score": 1}}}
        return (await gql(emitted, body))["emitEvent"]["event"]["id"]

    hanging = await emit_id(waiting, slow)
    for _ in range(100):
        if receiver.requests:
            break
        await asyncio.sleep(0.05)
    assert receiver.requests, "the webhook was never called"
    unrelated = await emit_id(other, "custom.unrelated")
    assert (await wait_for_event(gql, unrelated, within=3))["status"] == "DONE"
    behind = await emit_id(waiting, "custom.unrelated")
    await asyncio.sleep(0.5)
    assert (await wait_for_event(gql, behind, within=0))["status"] == "PENDING"
    receiver.hold.set()
    assert (await wait_for_event(gql, hanging, within=10))["status"] == "DONE"
    assert (await wait_for_event(gql, behind, within=10))["status"] == "DONE"
