"""Rules and templates cannot hold the server: each limit is a typed error that names it."""

import time

import pytest

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.rules import MAX_RULE_NODES, evaluate
from loyalty_gateway.reactions.templates import render
from tests.support import create_profile, unique

LIST = list(range(130))
NESTED_MAPS = {"map": [LIST, {"map": [LIST, {"map": [LIST, {"+": [1, 1]}]}]}]}
LITERAL_MAPS = {"map": [LIST, {"map": [LIST, {"map": [LIST, 1]}]}]}
TEST_REACTION = """mutation($input: TestReactionInput!) { testReaction(input: $input) {
  steps { status error } errors { code message field } } }"""


@pytest.mark.parametrize("rule", [NESTED_MAPS, LITERAL_MAPS], ids=["operators", "literals"])
def test_a_rule_that_needs_millions_of_steps_is_stopped_at_once(rule):
    started = time.perf_counter()
    with pytest.raises(UserError) as refused:
        evaluate(rule, {})
    assert refused.value.code is ErrorCode.RULE_TOO_COSTLY
    assert time.perf_counter() - started < 0.5


def test_a_rule_past_its_size_is_refused():
    with pytest.raises(UserError) as refused:
        evaluate({"in": [1, list(range(MAX_RULE_NODES))]}, {})
    assert refused.value.code is ErrorCode.RULE_TOO_LARGE


def test_ordinary_rules_still_evaluate():
    items = [{"price": p} for p in range(50)]
    rule = {
        "reduce": [{"var": "items"}, {"+": [{"var": "current.price"}, {"var": "accumulator"}]}, 0]
    }
    assert evaluate(rule, {"items": items}) == sum(range(50))


async def test_test_reaction_with_a_costly_filter_is_refused_quickly(gql, token_with):
    reader = await token_with("reactions:read")
    reaction = {
        "name": "costly",
        "trigger": "custom.costly",
        "actions": [
            {"name": "filter", "sortOrder": 1,
             "arguments": [{"name": "condition", "value": {"some": [NESTED_MAPS, True]}}]}
        ],
    }  # fmt: skip
    started = time.perf_counter()
    data = await gql(TEST_REACTION, {"input": {"reaction": reaction, "context": {}}}, reader)
    assert time.perf_counter() - started < 1
    errors = data["testReaction"]["errors"]
    assert [e["code"] for e in errors] == ["RULE_TOO_COSTLY"], data


async def test_a_costly_claim_condition_is_refused_when_saved(gql):
    sixty = list(range(60))
    condition = {"some": [{"map": [sixty, {"map": [sixty, {"map": [sixty, {"+": [1]}]}]}]}, True]}
    created = await gql(
        """mutation($input: CreateBenefitDefinitionInput!) { createBenefitDefinition(
          input: $input) { benefitDefinition { id } errors { code field } } }""",
        {"input": {"name": "B", "handle": unique("costly"), "isClaimable": True,
                   "claimCondition": condition}},
    )  # fmt: skip
    assert created["createBenefitDefinition"]["errors"] == [
        {"code": "RULE_TOO_COSTLY", "field": "claimCondition"}
    ]


@pytest.mark.parametrize(
    ("template", "limit"),
    [
        ("{{ (7 ** 5000000) % 2 }}", "integer size"),
        ("{{ 'x' * 50000000 }}", "output size"),
        ("{% for i in range(1000000) %}{% endfor %}", "loop length"),
        ("{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}",
         "loop length"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "nesting"),
        ("{{ 'x'|center(100000000) }}", "call arguments"),
        ("{% for i in range(9000) %}{{ 'y' * 900 }}{% endfor %}", "output size"),
    ],
)  # fmt: skip
async def test_templates_stop_at_each_limit(template, limit):
    started = time.perf_counter()
    with pytest.raises(UserError) as refused:
        await render(template, {})
    assert refused.value.code is ErrorCode.TEMPLATE_TOO_COSTLY
    assert limit in refused.value.message
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("template", ["{{ nothing }}", "{{ 1 / 0 }}", "{{ ''.__class__ }}"])
async def test_a_failing_template_is_a_template_error(template):
    with pytest.raises(UserError) as refused:
        await render(template, {})
    assert refused.value.code is ErrorCode.TEMPLATE_ERROR


async def test_a_costly_template_fails_its_target_send_step(gql):
    profile = await create_profile(gql)
    handle = unique("costly")
    await gql(
        "mutation($input: CreateTargetInput!) { createTarget(input: $input) { errors { code } } }",
        {"input": {"name": "T", "handle": handle, "url": "https://example.com/h",
                   "template": "{{ 'x' * 50000000 }}"}},
    )  # fmt: skip
    reaction = {
        "name": "send",
        "trigger": "custom.send",
        "actions": [{"name": "target.send", "sortOrder": 1,
                     "arguments": [{"name": "target", "value": handle}]}],
    }  # fmt: skip
    data = await gql(
        TEST_REACTION, {"input": {"reaction": reaction, "context": {"profile_id": profile["id"]}}}
    )
    [step] = data["testReaction"]["steps"]
    assert step["status"] == "FAILED"
    assert step["error"].startswith("TEMPLATE_TOO_COSTLY")
