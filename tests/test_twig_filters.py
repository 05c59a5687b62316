"""Twig's filters as Omneo's templates use them, and where a refused template fails."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.reactions.templates import _render, check_template
from loyalty_gateway.reactions.twig_filters import json_encode, number_format, php_date


@pytest.mark.parametrize(
    ("value", "args", "expected"),
    [
        (1234.5, (), "1,235"),
        ("1234567.455", (2,), "1,234,567.46"),
        (Decimal("-2.5"), (), "-3"),
        (2.675, (2,), "2.68"),
        (1234.5, (2, ",", "."), "1.234,50"),
        (1000, (0, ".", " "), "1 000"),
        (0.004, (2,), "0.00"),
        (-1234.567, (1,), "-1,234.6"),
    ],
)
def test_number_format_rounds_half_away_from_zero(value, args, expected):
    assert number_format(value, *args) == expected


def test_number_format_refuses_what_is_not_a_number():
    with pytest.raises(ValueError, match="number_format"):
        number_format("ten")


MOMENT = datetime(2024, 2, 29, 15, 4, 5, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("d/m/Y", "29/02/2024"),
        ("jS F Y", "29th February 2024"),
        ("D, M j", "Thu, Feb 29"),
        ("l N w z", "Thursday 4 4 59"),
        ("W o t L", "09 2024 29 1"),
        ("g:i a, G H h A", "3:04 pm, 15 15 03 PM"),
        ("s u v", "05 123456 123"),
        ("e P O Z p", "UTC +00:00 +0000 0 Z"),
        ("c", "2024-02-29T15:04:05+00:00"),
        ("r", "Thu, 29 Feb 2024 15:04:05 +0000"),
        ("U", "1709219045"),
        ("\\T\\o\\d\\a\\y: y", "Today: 24"),
    ],
)
def test_date_speaks_php_formats(fmt, expected):
    assert php_date(MOMENT, fmt) == expected


@pytest.mark.parametrize(
    ("value", "args", "expected"),
    [
        (
            "2026-12-03T13:30:00Z",
            ("jS F Y g:ia T", "Australia/Melbourne"),
            "4th December 2026 12:30am AEDT",
        ),
        ("2026-07-01T12:00:00+10:00", ("H:i P",), "12:00 +10:00"),
        ("2026-07-01", ("D j M",), "Wed 1 Jul"),
        (date(2026, 1, 2), ("jS",), "2nd"),
        (0, ("Y-m-d H:i",), "1970-01-01 00:00"),
        ("2026-12-25T00:00:00Z", (), "December 25, 2026 00:00"),
    ],
)
def test_date_reads_what_contexts_hold(value, args, expected):
    assert php_date(value, *args) == expected


@pytest.mark.parametrize("value", ["tomorrow-ish", [1]])
def test_date_refuses_what_is_not_a_date(value):
    with pytest.raises(ValueError, match="date"):
        php_date(value, "Y")


def test_json_encode_is_compact_and_escapes_like_php():
    assert json_encode({"a": [1, "é"], "b": None}) == '{"a":[1,"\\u00e9"],"b":null}'


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, "friend"),
        ({"p": {}}, "friend"),
        ({"p": {"nick": None}}, "friend"),
        ({"p": {"nick": ""}}, "friend"),
        ({"p": {"nick": []}}, "friend"),
        ({"p": {"nick": False}}, "friend"),
        ({"p": {"nick": 0}}, "0"),
        ({"p": {"nick": "Jo"}}, "Jo"),
    ],
)
def test_default_stands_in_as_twig_s_does(context, expected):
    assert _render("{{ p.nick|default('friend') }}", context) == expected


def test_an_undefined_value_still_fails_when_rendered():
    with pytest.raises(UserError) as failed:
        _render("{{ p.nick }}", {"p": {}})
    assert failed.value.code == ErrorCode.TEMPLATE_ERROR


@pytest.mark.parametrize(
    ("template", "where"),
    [
        ("{{ x|nope }}", "line 1, column 6"),
        ("a\nb\n  {{ x | upper | nope(1) }}", "line 3, column 18"),
        ("{% filter nope %}x{% endfilter %}", "line 1, column 11"),
        ("{% if x is not nope %}{% endif %}", "line 1, column 16"),
        ('{{ "open }}', "line 1, column 4"),
        ("{% for x in %}{% endfor %}", "line 1, column 13"),
        ("{% if x %}\n", "line 2, column 1"),
        ("{% block a %}{% endblock %}\n{% block a %}{% endblock %}", "line 2, column 1"),
    ],
)
def test_a_refused_template_says_where(template, where):
    with pytest.raises(UserError) as refused:
        check_template(template)
    assert refused.value.code == ErrorCode.INVALID_TEMPLATE
    assert where in refused.value.message, refused.value.message


@pytest.mark.parametrize(
    "template",
    [
        "{{ x|number_format(2)|default('-') }} {{ d|date('jS') }} {{ t|json_encode|raw }}",
        "{% if x is not defined %}{{ y|upper|lower }}{% endif %}{# a | nope comment #}",
        "{% raw %}{{ x|nope }}{% endraw %}",
    ],
)
def test_templates_with_known_filters_pass(template):
    check_template(template)
