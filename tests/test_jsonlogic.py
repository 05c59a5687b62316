"""The JSONLogic conformance suite that filters, dynamic arguments and claim conditions use."""

import json
from pathlib import Path

import pytest

from loyalty_gateway.core.rules import evaluate

SUITE = Path(__file__).resolve().parent / "data" / "jsonlogic-tests.json"  # origin: data/README
CASES = [case for case in json.loads(SUITE.read_text()) if not isinstance(case, str)]


def test_the_suite_is_all_there():
    assert len(CASES) == 275


@pytest.mark.parametrize(("rule", "data", "expected"), CASES)
def test_conformance(rule, data, expected):
    assert evaluate(rule, data) == expected
