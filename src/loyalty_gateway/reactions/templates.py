"""Target templates: Jinja2's immutable sandbox (Omneo uses Twig) with bounded cost.

The sandbox keeps templates from reaching Python's internals but not from doing unbounded
work: `{{ (7 ** 5000000) % 2 }}` held the server for seconds, `{{ 'x' * 50000000 }}` sent
50 MB. Here every template runs within limits, each a TEMPLATE_TOO_COSTLY error naming it:
- integers of at most MAX_INTEGER_BITS bits from `**` and `*`, strings and lists of at most
  MAX_OUTPUT items from `*`, and no integer argument to a call or filter past MAX_OUTPUT;
- loops: `range` makes at most MAX_ITERATIONS numbers, counted across the whole render;
- recursion (macros calling themselves) as deep as Python allows, then an error;
- output: at most MAX_OUTPUT characters, counted as it is produced;
and it is rendered off the event loop's thread, so no other request waits on it.
"""

import asyncio
import functools
import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.reactions.template_check import check_template as checked
from loyalty_gateway.reactions.twig_filters import TWIG_FILTERS

MAX_OUTPUT = 1_000_000
MAX_INTEGER_BITS = 256
MAX_ITERATIONS = 10_000

_iterations: ContextVar[list[int]] = ContextVar("template_iterations")


def _too_costly(limit: str) -> UserError:
    return UserError(ErrorCode.TEMPLATE_TOO_COSTLY, f"The template exceeds its limit on {limit}")


def _repeated_length(left: Any, right: Any) -> int:
    """The length of `sequence * count` (either way round), 0 for anything else."""
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(count, int):
            return len(sequence) * count
    return 0


def _bounded_range(*bounds: int) -> Iterator[int]:
    numbers = range(*bounds)
    budget = _iterations.get()
    budget[0] -= len(numbers)
    if budget[0] < 0:
        raise _too_costly(f"loop length ({MAX_ITERATIONS:,} iterations)")
    return iter(numbers)


def _check_arguments(args: Any, kwargs: Any) -> None:
    """No integer argument past MAX_OUTPUT: `'x'|center(10**8)` would build 100 MB."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and abs(value) > MAX_OUTPUT:
            raise _too_costly(f"call arguments (at most {MAX_OUTPUT:,})")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        ints = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and ints and abs(left) > 1:
            bits = right * left.bit_length()
        elif operator == "*" and ints:
            bits = left.bit_length() + right.bit_length()
        else:
            bits = 0
        if bits > MAX_INTEGER_BITS:
            raise _too_costly(f"integer size ({MAX_INTEGER_BITS} bits)")
        if operator == "*" and _repeated_length(left, right) > MAX_OUTPUT:
            raise _too_costly(f"output size ({MAX_OUTPUT:,} characters)")
        return super().call_binop(context, operator, left, right)

    def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs)
        return super().call(context, obj, *args, **kwargs)


def _checked(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose arguments are checked first (Jinja calls filters directly, not through
    the sandbox's `call`); `wraps` keeps Jinja's pass-context markers."""

    # The value filtered comes first, after the context or environment some filters take.
    value_at = 1 if hasattr(function, "jinja_pass_arg") else 0

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[value_at + 1 :], kwargs)
        return function(*args, **kwargs)

    return checked


class Undefined(ChainableUndefined, StrictUndefined):
    """Fails when rendered, compared or iterated, as StrictUndefined does, but lets a path
    go on (`profile.nickname.first`), so Twig's `profile.nickname|default('friend')` works."""


TEMPLATES = BoundedSandbox(undefined=Undefined, autoescape=False)
TEMPLATES.filters["json"] = lambda value: json.dumps(value, default=str)
TEMPLATES.filters.update(TWIG_FILTERS)
TEMPLATES.filters = {name: _checked(f) for name, f in TEMPLATES.filters.items()}
TEMPLATES.globals["range"] = _bounded_range


def check_template(template: str, field: str = "template") -> None:
    """Raises INVALID_TEMPLATE, with the line and column, for a template that does not
    compile or names an unknown filter or test."""
    checked(TEMPLATES, template, field)


def _render(template: str, context: dict[str, Any]) -> str:
    _iterations.set([MAX_ITERATIONS])
    produced, size = [], 0
    try:
        for chunk in TEMPLATES.from_string(template).generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _too_costly(f"output size ({MAX_OUTPUT:,} characters)")
            produced.append(chunk)
    except UserError:
        raise
    except RecursionError:
        raise _too_costly("nesting (a macro that calls itself without end)") from None
    except Exception as error:  # whatever the template did wrong, it is the template's fault
        raise UserError(ErrorCode.TEMPLATE_ERROR, f"template failed: {error}") from None
    return "".join(produced)


async def render(template: str, context: dict[str, Any]) -> str:
    """The rendered template, computed in a worker thread within the limits above."""
    return await asyncio.to_thread(_render, template, context)
