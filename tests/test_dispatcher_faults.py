"""The dispatcher outlives any error: a failed look is retried, a dead loop restarted."""

import asyncio

from loyalty_gateway.background import supervise
from loyalty_gateway.core.retry import backoff
from loyalty_gateway.reactions.dispatcher import Dispatcher
from tests.support import create_profile, wait_for_event

EMIT = """mutation($p: ID!) { emitEvent(input: {event: "custom.survives", profileId: $p})
  { event { id } errors { code } } }"""


async def test_errors_while_looking_for_events_or_waiting_do_not_stop_the_dispatcher(
    gql, monkeypatch
):
    claim, idle = Dispatcher.claim, Dispatcher.idle_seconds
    faults = {"claim": 2, "idle": 2}

    async def failing_claim(self: Dispatcher, limit: int):
        if faults["claim"]:
            faults["claim"] -= 1
            raise ConnectionError("the database went away")
        return await claim(self, limit)

    async def failing_idle(self: Dispatcher) -> float:
        if faults["idle"]:
            faults["idle"] -= 1
            raise ConnectionError("the database went away")
        return await idle(self)

    monkeypatch.setattr(Dispatcher, "claim", failing_claim)
    monkeypatch.setattr(Dispatcher, "idle_seconds", failing_idle)
    profile = {"p": (await create_profile(gql))["id"]}
    first = (await gql(EMIT, profile))["emitEvent"]["event"]["id"]
    assert (await wait_for_event(gql, first, within=10))["status"] == "DONE"
    second = (await gql(EMIT, profile))["emitEvent"]["event"]["id"]
    assert (await wait_for_event(gql, second, within=10))["status"] == "DONE"
    assert faults == {"claim": 0, "idle": 0}


async def test_a_loop_that_dies_or_ends_is_started_again():
    starts: list[int] = []
    restarted = asyncio.Event()

    async def loop() -> None:
        starts.append(len(starts))
        if len(starts) == 1:
            raise RuntimeError("boom")
        if len(starts) == 3:
            restarted.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(supervise("test loop", loop))
    await asyncio.wait_for(restarted.wait(), 5)
    task.cancel()
    assert starts == [0, 1, 2]


def test_backoff_doubles_up_to_ten_seconds():
    assert [backoff(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]
