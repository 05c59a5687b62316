"""Fast unit tests of the pure rules, beside the end-to-end ones that drive them through
GraphQL: money, expiry arithmetic, allocation. Hypothesis states what must hold for any
input; the examples pin the figures the README gives."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty_gateway.core.errors import UserError
from loyalty_gateway.core.money import cents_to_points, from_cents, points_to_cents, to_cents
from loyalty_gateway.core.time import PeriodType, add_months, expiry_from_period
from loyalty_gateway.redemptions.allocation import give_back, take_cents, take_points

MELBOURNE = ZoneInfo("Australia/Melbourne")
RATES = st.sampled_from([Decimal("0.01"), Decimal("0.02"), Decimal("0.003"), Decimal("1.5")])
LOTS = st.lists(st.integers(0, 100_000), max_size=6).map(
    lambda sizes: [(f"lot-{index}", size) for index, size in enumerate(sizes)]
)


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("10", 1000), ("10.5", 1050), ("0.01", 1), ("1e2", 10000), ("1.001", None)],
)
def test_amounts_are_exact_cents_or_refused(amount, cents):
    if cents is None:
        with pytest.raises(UserError):
            to_cents(Decimal(amount), "amount")
    else:
        assert to_cents(Decimal(amount), "amount") == cents
        assert from_cents(cents) == Decimal(amount)


@given(points=st.integers(0, 10**12), rate=RATES)
def test_points_are_worth_the_cents_they_buy_back(points, rate):
    cents = points_to_cents(points, rate)
    assert cents == int(points * rate * 100)  # rounded down to the cent
    assert cents_to_points(cents, rate) <= points  # what they are worth never needs more


@pytest.mark.parametrize(
    ("issued", "period", "kind", "expires"),
    [
        ("2021-02-10T10:00:00+11:00", 30, PeriodType.DAYS, "2021-03-12T23:59:59+11:00"),
        ("2027-03-01T10:00:00+11:00", 40, PeriodType.DAYS, "2027-04-10T23:59:59+10:00"),
        ("2024-01-31T10:00:00+11:00", 1, PeriodType.MONTHS, "2024-02-29T23:59:59+11:00"),
        ("2024-02-29T10:00:00+11:00", 1, PeriodType.YEARS, "2025-02-28T23:59:59+11:00"),
        ("2021-02-10T00:30:00+11:00", 1, PeriodType.WEEKS, "2021-02-17T23:59:59+11:00"),
    ],
)
def test_expiry_is_the_end_of_the_local_day(issued, period, kind, expires):
    at = expiry_from_period(datetime.fromisoformat(issued), MELBOURNE, period, kind)
    assert at.astimezone(MELBOURNE).isoformat() == expires


@given(day=st.dates(date(1900, 1, 1), date(2199, 12, 31)), months=st.integers(-600, 600))
def test_adding_months_lands_in_that_month_never_past_its_end(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or later.day < day.day


@given(lots=LOTS, wanted=st.integers(0, 700_000))
def test_taking_cents_takes_in_order_and_never_more_than_a_lot_holds(lots, wanted):
    takes, left = take_cents(lots, wanted)
    held = dict(lots)
    assert all(0 < take.cents <= held[take.lot_id] for take in takes)
    assert sum(take.cents for take in takes) + left == wanted
    assert left == max(0, wanted - sum(held.values()))
    order = [lot_id for lot_id, _ in lots]
    assert [take.lot_id for take in takes] == sorted(
        (take.lot_id for take in takes), key=order.index
    )


@given(lots=LOTS, wanted=st.integers(0, 700_000), rate=RATES)
def test_taking_points_covers_exactly_what_the_points_taken_are_worth(lots, wanted, rate):
    takes, left = take_points(lots, wanted, rate)
    held = dict(lots)
    covered = wanted - left
    assert all(0 < take.points <= held[take.lot_id] for take in takes)
    assert sum(take.cents for take in takes) == covered
    assert covered <= points_to_cents(sum(take.points for take in takes), rate)
    assert covered == min(wanted, points_to_cents(sum(held.values()), rate))


@given(item_points=st.integers(1, 10**6), item_cents=st.integers(1, 10**6), data=st.data())
def test_a_return_gives_back_points_in_proportion_and_all_of_them_at_the_end(
    item_points, item_cents, data
):
    cents = data.draw(st.integers(0, item_cents))
    back = give_back(item_cents, item_points, cents)
    assert 0 <= back <= item_points
    assert back * item_cents >= cents * item_points  # rounded up, never down
    assert give_back(item_cents, item_points, item_cents) == item_points


def test_the_readme_figures():
    """100 points at 0.01 is $1; $1 needs 100 points; 30 days from 10 Feb in Melbourne."""
    assert points_to_cents(100, Decimal("0.01")) == 100
    assert cents_to_points(100, Decimal("0.01")) == 100
    issued = datetime(2021, 2, 9, 23, tzinfo=UTC)
    assert expiry_from_period(issued, MELBOURNE, 30, PeriodType.DAYS).isoformat() == (
        "2021-03-12T12:59:59+00:00"
    )
