"""A template is checked when it is saved: it must parse, compile, and name only known
filters and tests; the error says where, as a line and a column (both from 1).

Jinja2 reports only a line. The column comes from the lexer's raw tokens, which are pieces
of the source in order: each one's offset is found by searching on from the last, and the
parser's current token (or, when the lexer itself gives up, the end of the last token it
read) is where the error is.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import Environment
from jinja2.exceptions import TemplateError, TemplateSyntaxError
from jinja2.lexer import TOKEN_EOF, TokenStream
from jinja2.parser import Parser

from loyalty_gateway.core.errors import ErrorCode, UserError

_INSIGNIFICANT = frozenset({"whitespace", "comment_begin", "comment", "comment_end"})


@dataclass
class _Reading:
    """Where the lexer is in the source."""

    source: str
    end: int = 0  # the end of the last raw token read
    start: int = 0  # the start of the last significant raw token read
    lexer_failed: bool = False


@dataclass(frozen=True)
class _Token:
    kind: str
    value: str
    offset: int


def _raw_tokens(environment: Environment, reading: _Reading) -> Iterator[tuple[int, str, str]]:
    try:
        for lineno, kind, value in environment.lexer.tokeniter(reading.source, None):
            found = reading.source.find(value, reading.end) if value else -1
            offset = found if found >= 0 else reading.end
            reading.end = offset + len(value)
            if kind not in _INSIGNIFICANT:
                reading.start = offset
            yield lineno, kind, value
    except TemplateSyntaxError:
        reading.lexer_failed = True
        raise


def _position(source: str, offset: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1


def _refused(field: str, source: str, offset: int, message: str) -> UserError:
    line, column = _position(source, offset)
    return UserError(
        ErrorCode.INVALID_TEMPLATE, f"{field} line {line}, column {column}: {message}", field
    )


def _parse(environment: Environment, source: str, field: str) -> None:
    reading = _Reading(source)
    parser = Parser(environment, "")  # its stream replaced by one that records offsets
    try:
        parser.stream = TokenStream(
            environment.lexer.wrap(_raw_tokens(environment, reading)), None, None
        )
        parser.parse()
    except TemplateSyntaxError as error:
        if reading.lexer_failed:
            offset = reading.end + len(source[reading.end :]) - len(source[reading.end :].lstrip())
        elif parser.stream.current.type == TOKEN_EOF:
            offset = len(source)
        else:
            offset = reading.start
        raise _refused(field, source, offset, error.message or str(error)) from None


def _tokens(environment: Environment, source: str) -> list[_Token]:
    reading, tokens = _Reading(source), []
    for _, kind, value in _raw_tokens(environment, reading):
        if kind not in _INSIGNIFICANT:
            tokens.append(_Token(kind, value, reading.start))
    return tokens


def _names_a_test(token: _Token, following: _Token, preceding: _Token) -> bool:
    """`following` is a test's name: `x is name`, `x is not name`."""
    if token.value == "is":
        return following.value != "not"
    return token.value == "not" and preceding.value == "is"


def _named(tokens: list[_Token]) -> Iterator[tuple[str, _Token]]:
    """Each filter and test a template names: after `|`, after `is` (or `is not`), and in
    `{% filter name %}`."""
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        if following.kind != "name":
            continue
        if token.kind == "operator" and token.value == "|":
            yield "filter", following
        elif token.kind != "name" or index == 0:
            continue
        elif token.value == "filter" and tokens[index - 1].kind == "block_begin":
            yield "filter", following
        elif _names_a_test(token, following, tokens[index - 1]):
            yield "test", following


def check_template(environment: Environment, source: str, field: str) -> None:
    """Raises INVALID_TEMPLATE, naming the line and column, unless the template parses,
    names only filters and tests `environment` has, and compiles."""
    _parse(environment, source, field)
    for kind, token in _named(_tokens(environment, source)):
        known = environment.filters if kind == "filter" else environment.tests
        if token.value not in known:
            raise _refused(field, source, token.offset, f"unknown {kind} '{token.value}'")
    try:
        environment.compile(source)
    except TemplateError as error:
        line = error.lineno if isinstance(error, TemplateSyntaxError) else 1
        offset = sum(len(text) + 1 for text in source.split("\n")[: line - 1])
        raise _refused(field, source, offset, error.message or str(error)) from None
