"""Which rate applies (`earning/rates.py`) and what a sale earns (`earning/calculate.py`):
pure rules over unsaved rates."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty_gateway.earning.calculate import earnings, line_amount
from loyalty_gateway.earning.models import Rate
from loyalty_gateway.earning.rates import Facts, resolve

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def rate(multiplier: str, name: str = "r", **fields) -> Rate:
    made = Rate(id=uuid.uuid4(), name=name, rate=Decimal(multiplier), **fields)
    made.created_at = fields.get("created_at", CREATED)
    return made


def picked(rates: list[Rate], **facts) -> str | None:
    """The name of the rate that applies, the same whatever order the rates come in."""
    chosen = {
        getattr(resolve(list(order), Facts(NOW, **facts)), "name", None)
        for order in itertools.permutations(rates)
    }
    assert len(chosen) == 1, chosen
    return chosen.pop()


def test_no_rate_applies_to_nothing():
    assert picked([]) is None


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "applies"),
    [
        (None, None, True),
        (NOW, None, True),
        (NOW + timedelta(seconds=1), None, False),
        (None, NOW, True),
        (None, NOW - timedelta(seconds=1), False),
        (NOW - timedelta(days=1), NOW + timedelta(days=1), True),
    ],
)
def test_a_rate_applies_between_its_start_and_its_end(starts_at, ends_at, applies):
    only = rate("2", "window", starts_at=starts_at, ends_at=ends_at)
    assert picked([only]) == ("window" if applies else None)


def test_the_most_specific_rate_wins():
    rates = [
        rate("1.5", "general"),
        rate("2", "store", location_id="store-1"),
        rate("3", "code", code="DOUBLE"),
        rate("4", "store+code", location_id="store-1", code="DOUBLE"),
    ]
    assert picked(rates) == "general"
    assert picked(rates, location_id="store-1") == "store"
    assert picked(rates, location_id="store-2", code="DOUBLE") == "code"
    assert picked(rates, location_id="store-1", code="DOUBLE") == "store+code"


def test_ties_go_to_product_then_profile_conditions_then_the_latest_start_then_the_newest():
    vip = {"in": ["vip", {"var": "tags"}]}
    shoes = {"in": ["shoes", {"var": "tags"}]}
    facts = {"profile": {"tags": ["vip"]}, "product": {"tags": ["shoes"]}}
    plain = rate("1", "plain")
    profile = rate("2", "profile", profile_conditions=vip)
    product = rate("3", "product", product_conditions=shoes)
    assert picked([plain, profile], **facts) == "profile"
    assert picked([plain, profile, product], **facts) == "product"
    assert picked([plain, profile, product], profile={"tags": []}, product={"tags": []}) == "plain"
    older = rate("5", "older", starts_at=NOW - timedelta(days=9))
    newer = rate("6", "newer", starts_at=NOW - timedelta(days=1))
    assert picked([plain, older, newer]) == "newer"
    first = rate("7", "first", created_at=CREATED)
    second = rate("8", "second", created_at=CREATED + timedelta(seconds=1))
    assert picked([first, second]) == "second"


def test_conditions_without_the_context_they_read_do_not_hold():
    assert picked([rate("2", "vip", profile_conditions={"==": [1, 1]})]) is None


SALE = {
    "id": "t1",
    "total": Decimal("125.50"),
    "items": [
        {"position": 0, "tags": ["shoes"], "price_sell": Decimal("100.00"), "quantity": "1"},
        {"position": 1, "tags": ["socks"], "price_sell": Decimal("5.25"), "quantity": "2"},
        {"position": 2, "tags": ["shoes"], "price_sell": Decimal("60.00"), "quantity": "1",
         "is_return": True},
        {"position": 3, "tags": ["socks"], "price_sell": Decimal("9.00"), "quantity": "1",
         "is_void": True},
    ],
}  # fmt: skip


def test_a_sale_earns_its_total_times_the_rate_rounded_down():
    [earned] = earnings([rate("1.5", "general")], Facts(NOW), SALE, None)
    assert (earned.base, earned.points, earned.rate.name, earned.items) == (
        Decimal("125.50"), 188, "general", ()
    )  # fmt: skip
    [unrated] = earnings([], Facts(NOW), SALE, None, "ceil")
    assert (unrated.rate, unrated.points) == (None, 126)
    [given] = earnings([rate("2")], Facts(NOW), None, Decimal("10.25"), "round")
    assert given.points == 21


def test_with_product_conditions_each_item_earns_at_its_own_rate():
    shoes = rate("3", "shoes", product_conditions={"in": ["shoes", {"var": "tags"}]})
    general = rate("1", "general")
    found = {e.rate.name: e for e in earnings([shoes, general], Facts(NOW), SALE, None)}
    assert (found["shoes"].base, found["shoes"].points, found["shoes"].items) == (
        Decimal("40.00"), 120, (0, 2)
    )  # fmt: skip
    assert (found["general"].base, found["general"].points, found["general"].items) == (
        Decimal("10.50"), 10, (1,)
    )  # fmt: skip
    [whole] = earnings([shoes, general], Facts(NOW), SALE, Decimal("20"))
    assert (whole.rate.name, whole.points) == ("general", 20)  # an amount given: no items


@pytest.mark.parametrize(
    ("item", "amount"),
    [
        ({"price_sell": Decimal("2.50"), "quantity": "3"}, Decimal("7.50")),
        ({"price_sell": Decimal("2.50"), "quantity": "0.5"}, Decimal("1.25")),
        ({"price_sell": Decimal("2.50"), "quantity": "1", "is_return": True}, Decimal("-2.50")),
        ({"price_sell": Decimal("2.50"), "quantity": "1", "is_void": True}, Decimal(0)),
    ],
)
def test_line_amounts(item, amount):
    assert line_amount(item) == amount
