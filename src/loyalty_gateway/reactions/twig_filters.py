"""The filters Omneo's Twig templates use, with Twig's meaning, for Jinja2 templates.

Jinja2 has `upper` and `lower` already; `default` is replaced, because Twig's also stands in
for null, false, "" and empty lists, where Jinja2's only stands in for undefined values.
"""

import json
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Undefined

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
TWIG_DEFAULT_DATE_FORMAT = "F j, Y H:i"


def number_format(
    value: Any, decimals: int = 0, decimal_point: str = ".", thousands_separator: str = ","
) -> str:
    """PHP's number_format: rounded half away from zero, thousands grouped."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"number_format needs a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"number_format needs a finite number, got {value!r}")
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):,.{decimals}f}".partition(".")
    sign = "-" if rounded < 0 else ""
    text = sign + whole.replace(",", thousands_separator)
    return text + decimal_point + fraction if decimals > 0 else text


def _moment(value: Any) -> datetime:
    """A date-time from what templates hold: an ISO string, a date, a Unix time, or "now"."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str) and value.strip().lower() == "now":
        moment = datetime.now(UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"date needs an ISO 8601 date or date-time, got {value!r}") from None
    else:
        raise ValueError(f"date needs a date, got {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ordinal_suffix(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _offset(moment: datetime, colon: bool) -> str:
    seconds = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]  # aware
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _zone_name(moment: datetime) -> str:
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return "UTC" if moment.utcoffset() == UTC.utcoffset(None) else _offset(moment, True)


def _php_character(letter: str, m: datetime) -> str:
    """One letter of a PHP date format, as PHP's date() renders it (English names)."""
    hour12 = m.hour % 12 or 12
    iso_year, iso_week, iso_day = m.isocalendar()
    simple = {
        "d": f"{m.day:02d}",
        "D": DAYS[m.weekday()][:3],
        "j": str(m.day),
        "l": DAYS[m.weekday()],
        "N": str(iso_day),
        "S": _ordinal_suffix(m.day),
        "w": str(iso_day % 7),
        "z": str(m.timetuple().tm_yday - 1),
        "W": f"{iso_week:02d}",
        "F": MONTHS[m.month - 1],
        "m": f"{m.month:02d}",
        "M": MONTHS[m.month - 1][:3],
        "n": str(m.month),
        "o": str(iso_year),
        "Y": str(m.year),
        "y": f"{m.year % 100:02d}",
        "a": "am" if m.hour < 12 else "pm",
        "A": "AM" if m.hour < 12 else "PM",
        "g": str(hour12),
        "G": str(m.hour),
        "h": f"{hour12:02d}",
        "H": f"{m.hour:02d}",
        "i": f"{m.minute:02d}",
        "s": f"{m.second:02d}",
        "u": f"{m.microsecond:06d}",
        "v": f"{m.microsecond // 1000:03d}",
        "e": _zone_name(m),
        "T": m.tzname() or _offset(m, True),
        "P": _offset(m, True),
        "O": _offset(m, False),
        "U": str(int(m.timestamp())),
    }
    if letter in simple:
        return simple[letter]
    if letter == "t":
        following = date(m.year + m.month // 12, m.month % 12 + 1, 1)
        return str((following - date(m.year, m.month, 1)).days)
    if letter == "L":
        return "1" if (m.year % 4 == 0 and m.year % 100 != 0) or m.year % 400 == 0 else "0"
    if letter == "I":
        return "1" if m.dst() else "0"
    if letter == "Z":
        return str(int(m.utcoffset().total_seconds()))  # type: ignore[union-attr]  # aware
    if letter == "p":
        return "Z" if not m.utcoffset() else _offset(m, True)
    if letter == "c":
        return php_date(m, "Y-m-d\\TH:i:sP")
    if letter == "r":
        return php_date(m, "D, d M Y H:i:s O")
    return letter


def php_date(value: Any, format: str | None = None, timezone: str | None = None) -> str:
    """Twig's `date` filter: `value` rendered with a PHP date() format, in `timezone` (an
    IANA name) when given, else in the value's own offset (UTC for one without)."""
    moment = _moment(value)
    if timezone is not None:
        try:
            moment = moment.astimezone(ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"date: unknown time zone {timezone!r}") from None
    out: list[str] = []
    letters = iter(format if format is not None else TWIG_DEFAULT_DATE_FORMAT)
    for letter in letters:
        out.append(next(letters, "") if letter == "\\" else _php_character(letter, moment))
    return "".join(out)


def twig_default(value: Any, fallback: Any = "") -> Any:
    """Twig's `default`: the fallback when the value is undefined, null, false, "" or empty."""
    if isinstance(value, Undefined) or value is None or value is False:
        return fallback
    if isinstance(value, str | list | tuple | dict) and len(value) == 0:
        return fallback
    return value


def json_encode(value: Any) -> str:
    """Twig's `json_encode`: compact JSON, non-ASCII escaped as PHP escapes it."""
    return json.dumps(value, default=str, separators=(",", ":"))


TWIG_FILTERS = {
    "number_format": number_format,
    "date": php_date,
    "default": twig_default,
    "json_encode": json_encode,
    "raw": lambda value: value,
}
