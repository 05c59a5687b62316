"""Targets retailers can maintain: correct, delete once unused, a condition that skips the
send, Twig's filters, templates refused on save with where they fail, and `testTarget`."""

import json

import pytest

from tests.support import Receiver, create_profile, unique, wait_for_runs

TARGET = "target { id handle url template condition description hasSecret }"
CREATE = f"""mutation($input: CreateTargetInput!) {{
  createTarget(input: $input) {{ {TARGET} errors {{ code field message }} }}
}}"""
UPDATE = f"""mutation($input: UpdateTargetInput!) {{
  updateTarget(input: $input) {{ {TARGET} errors {{ code field message }} }}
}}"""
DELETE = """mutation($id: ID!) {
  deleteTarget(input: {id: $id}) { deletedId errors { code field message } }
}"""
TEST = """mutation($id: ID!, $context: JSON!) {
  testTarget(input: {id: $id, context: $context}) {
    wouldSend request { method url headers body } errors { code field message }
  }
}"""
CREATE_REACTION = """mutation($input: CreateReactionInput!) {
  createReaction(input: $input) { reaction { id } errors { code field } }
}"""
DELETE_REACTION = """mutation($id: ID!) {
  deleteReaction(input: {id: $id}) { deletedId errors { code } }
}"""
TWIG = (
    '{"name": "{{ first_name|upper }}", "nick": "{{ nickname|default(\'friend\') }}", '
    '"balance": "{{ data.balance|number_format(2) }}", '
    "\"on\": \"{{ data.at|date('jS F Y', 'Australia/Melbourne') }}\", "
    '"tags": {{ tags|json_encode }}}'
)


async def create_target(gql, **fields) -> dict:
    body = {
        "name": "CRM",
        "handle": unique("hook"),
        "url": "https://crm.example.com/hook",
        "template": "{}",
        **fields,
    }
    data = (await gql(CREATE, {"input": body}))["createTarget"]
    assert data["errors"] == [], data
    return data["target"]


async def sending_reaction(gql, handle: str, event: str) -> dict:
    action = {
        "name": "target.send",
        "sortOrder": 1,
        "arguments": [{"name": "target", "value": handle}],
    }
    body = {"name": "notify", "trigger": event, "actions": [action]}
    data = (await gql(CREATE_REACTION, {"input": body}))["createReaction"]
    assert data["errors"] == []
    return data["reaction"]


async def emit(gql, profile_id: str, event: str, data: dict) -> None:
    document = "mutation($input: EmitEventInput!) { emitEvent(input: $input) { errors { code } } }"
    result = await gql(document, {"input": {"event": event, "profileId": profile_id, "data": data}})
    assert result["emitEvent"]["errors"] == []


def custom_event(name: str) -> str:
    return "custom." + unique(name).replace("-", "_")


async def test_update_corrects_a_target_and_keeps_what_is_not_given(gql):
    target = await create_target(gql, description="old", secret="s")
    changes = {
        "id": target["id"],
        "url": "https://crm.example.com/v2",
        "template": '{"v": 2}',
        "condition": {"in": ["vip", {"var": "tags"}]},
    }
    data = (await gql(UPDATE, {"input": changes}))["updateTarget"]
    assert data["errors"] == []
    updated = data["target"]
    assert updated["url"] == "https://crm.example.com/v2"
    assert updated["template"] == '{"v": 2}'
    assert updated["condition"] == {"in": ["vip", {"var": "tags"}]}
    assert (updated["description"], updated["hasSecret"]) == ("old", True)
    cleared = {"id": target["id"], "condition": None, "secret": None}
    data = (await gql(UPDATE, {"input": cleared}))["updateTarget"]
    assert (data["target"]["condition"], data["target"]["hasSecret"]) == (None, False)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"url": "ftp://x"}, "INVALID_INPUT", "url"),
        ({"name": None}, "INVALID_INPUT", "name"),
        ({"template": "{{ x | nope }}"}, "INVALID_TEMPLATE", "template"),
        ({"condition": {"nope": [1]}}, "INVALID_CONDITION", "condition"),
        ({"headers": {"X-Count": 3}}, "INVALID_INPUT", "headers"),
        ({"handle": "bad handle"}, "INVALID_HANDLE", "handle"),
    ],
)
async def test_update_refuses_what_create_refuses_and_changes_nothing(gql, change, code, field):
    target = await create_target(gql)
    data = (await gql(UPDATE, {"input": {"id": target["id"], **change}}))["updateTarget"]
    assert [(e["code"], e["field"]) for e in data["errors"]] == [(code, field)]
    [after] = [
        t
        for t in (await gql(f"{{ targets {{ {TARGET[9:-2]} }} }}"))["targets"]
        if t["id"] == target["id"]
    ]
    assert after == target


async def test_update_and_delete_of_an_unknown_target(gql):
    missing = "00000000-0000-4000-8000-000000000000"
    data = (await gql(UPDATE, {"input": {"id": missing, "name": "x"}}))["updateTarget"]
    assert [e["code"] for e in data["errors"]] == ["NOT_FOUND"]
    data = (await gql(DELETE, {"id": missing}))["deleteTarget"]
    assert ([e["code"] for e in data["errors"]], data["deletedId"]) == (["NOT_FOUND"], None)


async def test_a_target_in_use_keeps_its_handle_and_is_deleted_only_once_unused(gql):
    target = await create_target(gql)
    reaction = await sending_reaction(gql, target["handle"], custom_event("used"))
    refused = (await gql(DELETE, {"id": target["id"]}))["deleteTarget"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("TARGET_IN_USE", "id")]
    assert reaction["id"] in refused["errors"][0]["message"]
    rename = {"id": target["id"], "handle": unique("renamed")}
    renamed = (await gql(UPDATE, {"input": rename}))["updateTarget"]
    assert [(e["code"], e["field"]) for e in renamed["errors"]] == [("TARGET_IN_USE", "handle")]
    same = {"id": target["id"], "handle": target["handle"], "name": "CRM 2"}
    assert (await gql(UPDATE, {"input": same}))["updateTarget"]["errors"] == []

    assert (await gql(DELETE_REACTION, {"id": reaction["id"]}))["deleteReaction"]["errors"] == []
    deleted = (await gql(DELETE, {"id": target["id"]}))["deleteTarget"]
    assert (deleted["errors"], deleted["deletedId"]) == ([], target["id"])
    handles = [t["handle"] for t in (await gql("{ targets { handle } }"))["targets"]]
    assert target["handle"] not in handles


async def test_an_unused_target_may_be_renamed(gql):
    target = await create_target(gql)
    handle = unique("renamed")
    data = (await gql(UPDATE, {"input": {"id": target["id"], "handle": handle}}))["updateTarget"]
    assert (data["errors"], data["target"]["handle"]) == ([], handle)


@pytest.mark.parametrize(
    ("template", "where", "says"),
    [
        ('{"a": 1}\n{{ total | money }}', "line 2, column 12", "unknown filter 'money'"),
        ("{% if total is big %}x{% endif %}", "line 1, column 16", "unknown test 'big'"),
        ('{"a": {{ total }\n}', "line 1, column 16", "unexpected '}'"),
        ('{\n  "a": {{ x y }}\n}', "line 2, column 13", "expected token"),
        ("{{ unclosed", "line 1, column 12", "unexpected end of template"),
    ],
)
async def test_templates_are_refused_on_save_with_line_and_column(gql, template, where, says):
    body = {
        "name": "T",
        "handle": unique("t"),
        "url": "https://x.example.com",
        "template": template,
    }
    data = (await gql(CREATE, {"input": body}))["createTarget"]
    [error] = data["errors"]
    assert (error["code"], error["field"]) == ("INVALID_TEMPLATE", "template")
    assert where in error["message"] and says in error["message"], error["message"]


async def test_a_condition_skips_the_send_when_false(gql, server, receiver: Receiver, monkeypatch):
    monkeypatch.setattr(server.settings, "target_allow_private_networks", True)
    target = await create_target(
        gql, url=receiver.url, template=TWIG, condition={"in": ["vip", {"var": "tags"}]}
    )
    event = custom_event("conditional")
    reaction = await sending_reaction(gql, target["handle"], event)
    plain = await create_profile(gql, tags=["new"])
    await emit(gql, plain["id"], event, {"balance": 1, "at": "2026-12-03T13:30:00Z"})
    [run] = await wait_for_runs(gql, 1, profile=plain["id"], reaction=reaction["id"])
    assert run["status"] == "COMPLETED"
    assert run["steps"][0]["status"] == "PASSED"
    assert run["steps"][0]["result"]["sent"] is False
    assert receiver.requests == []

    vip = await create_profile(gql, tags=["vip"], firstName="Jane")
    await emit(gql, vip["id"], event, {"balance": "1234.565", "at": "2026-12-03T13:30:00Z"})
    [run] = await wait_for_runs(gql, 1, profile=vip["id"], reaction=reaction["id"])
    assert run["status"] == "COMPLETED", run
    [(_, body)] = receiver.requests
    assert json.loads(body) == {
        "name": "JANE",
        "nick": "friend",
        "balance": "1,234.57",
        "on": "4th December 2026",
        "tags": ["vip"],
    }


async def test_test_target_shows_the_request_without_sending(gql, receiver: Receiver):
    target = await create_target(
        gql,
        url=receiver.url,
        template=TWIG,
        secret="s3cret",
        headers={"X-Tenant": "acme"},
        condition={"in": ["vip", {"var": "tags"}]},
    )
    context = {
        "first_name": "Ann",
        "nickname": "",
        "tags": ["vip"],
        "data": {"balance": 5, "at": "2026-01-01T00:00:00Z"},
    }
    data = (await gql(TEST, {"id": target["id"], "context": context}))["testTarget"]
    assert (data["errors"], data["wouldSend"]) == ([], True)
    request = data["request"]
    assert (request["method"], request["url"]) == ("POST", receiver.url)
    assert json.loads(request["body"]) == {
        "name": "ANN",
        "nick": "friend",
        "balance": "5.00",
        "on": "1st January 2026",
        "tags": ["vip"],
    }
    assert request["headers"]["X-Tenant"] == "acme"
    assert (
        "s3cret" not in json.dumps(request)
        and "signed" in request["headers"]["X-Loyalty-Signature"]
    )

    skipped = await gql(TEST, {"id": target["id"], "context": {**context, "tags": []}})
    assert skipped["testTarget"] == {"wouldSend": False, "request": None, "errors": []}
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("context", "code", "field"),
    [([1, 2], "INVALID_INPUT", "context"), ({"tags": ["vip"]}, "TEMPLATE_ERROR", None)],
)
async def test_test_target_reports_what_a_send_would_fail_on(gql, context, code, field):
    target = await create_target(gql, template=TWIG)
    data = (await gql(TEST, {"id": target["id"], "context": context}))["testTarget"]
    assert [(e["code"], e["field"]) for e in data["errors"]] == [(code, field)]
    assert (data["wouldSend"], data["request"]) == (None, None)
