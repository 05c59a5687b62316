"""Amounts are read exactly: plain decimals and JSON numbers, nothing else."""

import json
from decimal import Decimal

import pytest

from loyalty_gateway.core.money import parse_json_float, to_decimal
from loyalty_gateway.graphql.scalars import decode_request_json
from tests.support import ADMIN_TOKEN, REDEEM, create_profile


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", "10"), ("10.50", "10.50"), ("-3", "-3"), (" 7.25 ", "7.25"), (12, "12"), (2.5, "2.5")],
)
def test_plain_decimals_and_numbers_are_read_exactly(value, expected):
    assert to_decimal(value) == Decimal(expected)


@pytest.mark.parametrize(
    "value", ["1_0", "\u0661\u0660", "1e1", "Infinity", "NaN", "0x10", "", True, None]
)
def test_anything_else_is_not_a_number(value):
    assert to_decimal(value).is_nan()


def test_a_json_number_keeps_the_digits_its_float_would_lose():
    number = json.loads("1.0000000000000000000001", parse_float=parse_json_float)
    assert to_decimal(number) == Decimal("1.0000000000000000000001")
    assert type(json.loads("10.25", parse_float=parse_json_float)) is float


@pytest.mark.parametrize(
    "amount", ['"1_0"', '"\\u0661\\u0660"', '"1e1"', "1.0000000000000000000001", '"Infinity"']
)
async def test_redeem_refuses_amounts_that_are_not_exact(http, server, gql, amount):
    profile = await create_profile(gql)
    body = (
        f'{{"query": {json.dumps(REDEEM)}, "variables": {{"input": '
        f'{{"profileId": "{profile["id"]}", "amount": {amount}}}}}}}'
    )
    response = await http.post(
        server.graphql_url,
        content=body.encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
    )
    assert "errors" not in response.json(), response.json()
    errors = response.json()["data"]["redeem"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_AMOUNT", "amount")]


async def test_a_literal_amount_is_read_from_its_text(gql):
    profile = await create_profile(gql)
    query = REDEEM.replace("$input: RedeemInput!", "").replace(
        "input: $input",
        f'input: {{profileId: "{profile["id"]}", amount: 1.0000000000000000000001}}',
    )
    errors = (await gql(query.replace("mutation()", "mutation")))["redeem"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_AMOUNT", "amount")]


@pytest.mark.parametrize(
    "body", [b"\xff\xfe{}", b"null", b"42", b'"x"', b"[]", b"\x1f\x8b\x08\x00"]
)
def test_request_bodies_must_be_utf8_json_objects(body):
    with pytest.raises(json.JSONDecodeError):
        decode_request_json(body)
