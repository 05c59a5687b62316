"""The browser pages in headless Chromium (Debian's), driven by Playwright: GraphiQL with no
network beyond loopback, and the monitor showing a run's steps as they happen."""

import json
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.support import ADMIN_TOKEN, create_profile

CHROMIUM = "/usr/bin/chromium"
CREATE_REACTION = """mutation($input: CreateReactionInput!) {
  createReaction(input: $input) { reaction { id } errors { code message } } }"""
EMIT = """mutation($input: EmitEventInput!) { emitEvent(input: $input) { errors { code } } }"""


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        await browser.close()


async def loopback_only_page(browser: Browser, outside: list[str]) -> Page:
    """A page whose requests beyond loopback are refused and recorded."""
    page = await browser.new_page()

    async def guard(route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", guard)
    return page


async def test_graphiql_loads_without_the_internet_and_runs_the_sample_query(browser, server):
    outside: list[str] = []
    page = await loopback_only_page(browser, outside)
    await page.goto(f"{server.url}/graphql")
    await page.wait_for_selector(".graphiql-execute-button", timeout=15_000)
    editors = await page.inner_text(".graphiql-editors")
    assert "query Profiles" in editors
    assert "Bearer <admin token>" in editors
    await page.close()

    page = await loopback_only_page(browser, outside)
    await page.goto(f"{server.url}/graphql")
    shown_headers = (
        "document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')"
    )
    await page.wait_for_function(shown_headers, timeout=15_000)
    headers = json.dumps({"Authorization": f"Bearer {ADMIN_TOKEN}"})
    await page.evaluate(f"headers => {shown_headers}.CodeMirror.setValue(headers)", headers)
    await page.click(".graphiql-execute-button", timeout=15_000)
    await page.wait_for_function(
        "document.querySelector('.result-window')?.innerText.includes('totalCount')",
        timeout=15_000,
    )
    result = await page.inner_text(".result-window")
    assert '"profiles"' in result and '"errors"' not in result

    await page.reload()
    await page.wait_for_selector(".graphiql-execute-button", timeout=15_000)
    stored = await page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert ADMIN_TOKEN not in stored, stored
    assert ADMIN_TOKEN not in await page.inner_text(".graphiql-editors")
    await page.close()
    assert outside == []


async def test_the_monitor_shows_the_chosen_runs_steps_within_a_second_of_the_event(
    browser, server, gql
):
    trigger = "custom.monitor_" + uuid.uuid4().hex[:8]
    reaction = await gql(
        CREATE_REACTION,
        {
            "input": {
                "name": "Monitor demo",
                "trigger": trigger,
                "actions": [
                    {
                        "name": "filter",
                        "sortOrder": 1,
                        "arguments": [
                            {"name": "condition", "value": {">": [{"var": "data.score"}, 5]}}
                        ],
                    },
                    {
                        "name": "filter",
                        "sortOrder": 2,
                        "arguments": [
                            {"name": "condition", "value": {"<": [{"var": "data.score"}, 100]}}
                        ],
                    },
                ],
            }
        },
    )
    reaction_id = reaction["createReaction"]["reaction"]["id"]
    profile = await create_profile(gql)
    other = await create_profile(gql)
    outside: list[str] = []
    page = await loopback_only_page(browser, outside)
    await page.goto(f"{server.url}/monitor")
    await page.fill("#token", ADMIN_TOKEN)
    await page.fill("#reaction", reaction_id)
    await page.fill("#profile", profile["id"])
    await page.click("button[type=submit]")
    await page.wait_for_selector("#state[data-state=open]", timeout=10_000)

    await gql(EMIT, {"input": {"event": trigger, "profileId": other["id"], "data": {"score": 9}}})
    emitted = time.monotonic()
    await gql(EMIT, {"input": {"event": trigger, "profileId": profile["id"], "data": {"score": 9}}})
    await page.wait_for_selector(".run[data-finished=true]", timeout=5_000)
    elapsed = time.monotonic() - emitted
    card = page.locator(".run")
    assert await card.count() == 1, "only the chosen reaction and profile are shown"
    steps = card.locator("li.step")
    assert [await steps.nth(i).get_attribute("data-status") for i in range(2)] == [
        "PASSED",
        "PASSED",
    ]
    assert await card.locator(".run-status").inner_text() == "COMPLETED"
    assert profile["id"] in await card.locator(".meta").inner_text()
    assert elapsed < 1.0, f"the run showed {elapsed:.2f} s after the event"
    await page.close()
    assert outside == []


async def test_the_monitor_says_why_a_token_may_not_watch(browser, server, token_with):
    outside: list[str] = []
    page = await loopback_only_page(browser, outside)
    await page.goto(f"{server.url}/monitor")
    await page.fill("#token", await token_with("profiles:read"))
    await page.click("button[type=submit]")
    await page.wait_for_selector("#state[data-state=error]", timeout=10_000)
    said = await page.inner_text("#state")
    assert "reactions:read" in said and "[object Object]" not in said, said
    await page.close()
    assert outside == []
