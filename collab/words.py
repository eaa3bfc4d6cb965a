"""French words for numbers, lists, durations and dates: the one place every page and message
uses (registered as Jinja filters and globals in ``create_app``), built on Babel's CLDR data
rather than hand-made rules.

- ``count(3, "texte", "textes")`` → « 3 textes »; French plural rules, so 0 and 1 (and 1,5) are
  singular: « 0 texte », « 1,5 faute ».
- ``join_list(["Mila", "Raphaël", "Tom"])`` → « Mila, Raphaël et Tom ».
- ``ago(timestamp)`` → « à l'instant », « il y a 5 min », « il y a 2 h », « hier », « il y a 3 jours »,
  then the date (« le 12 novembre 2026 »); days are counted on the Paris calendar, so at 09:00 an
  edit made at 09:03 the day before is « hier », never « il y a 1437 min ».
- ``date_fr``, ``datetime_fr``, ``time_fr``: the Paris wall clock, whatever the server's zone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALE = Locale("fr", "FR")
PARIS = ZoneInfo("Europe/Paris")

#: Under a minute, a time is « à l'instant »; counted in hours (not days) up to this many hours
#: even across midnight (at 00:30, an edit of 22:30 is « il y a 2 h », not « hier »).
JUST_NOW_SECONDS = 60
HOURS_ACROSS_MIDNIGHT = 6
#: From this many calendar days on, the date itself reads better than « il y a 12 jours ».
DAYS_IN_WORDS = 7


def number(n: float) -> str:
    """A number as written in French: « 1 437 », « 1,5 »."""
    return format_decimal(n, locale=LOCALE)


def is_singular(n: float) -> bool:
    """French agreement: 0 and 1 (and anything below 2) take the singular."""
    return LOCALE.plural_form(abs(n)) == "one"


def plural(n: float, singular: str, plural_: str) -> str:
    """The word (or words) that agree with ``n``: ``plural(2, "texte verrouillé", "textes verrouillés")``."""
    return singular if is_singular(n) else plural_


def count(n: float, singular: str, plural_: str) -> str:
    """``n`` and the words that agree with it: « 0 texte », « 1 texte », « 3 textes »."""
    return f"{number(n)} {plural(n, singular, plural_)}"


def join_list(names: Iterable[object]) -> str:
    """« Mila », « Mila et Tom », « Mila, Raphaël et Tom »; "" for nobody."""
    items = [str(name) for name in names]
    return format_list(items, locale=LOCALE) if items else ""


def _paris(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, PARIS)


def _in_unit(seconds: float, unit: Literal["minute", "hour", "day"], style: Literal["short", "long"]) -> str:
    """« il y a 5 min », « il y a 2 h », « il y a 3 jours » (Babel's words, the unit imposed)."""
    size = {"minute": 60, "hour": 3600, "day": 86400}[unit]
    amount = max(1, math.floor(seconds / size + 0.5))  # half up, as the browser's Math.round
    return format_timedelta(
        timedelta(seconds=-amount * size),
        granularity=unit,
        threshold=1,
        add_direction=True,
        format=style,
        locale=LOCALE,
    )


def ago(timestamp: float, now: float | None = None) -> str:
    """How long ago ``timestamp`` was, in words (see the module's docstring)."""
    now = time.time() if now is None else now
    seconds = now - timestamp
    if seconds < JUST_NOW_SECONDS:
        return "à l'instant"
    if seconds < 3600:
        return _in_unit(seconds, "minute", "short")
    days = (_paris(now).date() - _paris(timestamp).date()).days
    if days == 0 or seconds < HOURS_ACROSS_MIDNIGHT * 3600:
        return _in_unit(seconds, "hour", "short")
    if days == 1:
        return "hier"
    if days < DAYS_IN_WORDS:
        return _in_unit(days * 86400, "day", "long")
    return "le " + date_fr(timestamp)


def date_fr(timestamp: float) -> str:
    """« 12 novembre 2026 » (Paris)."""
    return format_date(_paris(timestamp), "d MMMM y", locale=LOCALE)


def datetime_fr(timestamp: float) -> str:
    """« 12 novembre 2026 à 09:30 » (Paris)."""
    return format_datetime(_paris(timestamp), "d MMMM y 'à' HH:mm", tzinfo=PARIS, locale=LOCALE)


def time_fr(timestamp: float) -> str:
    """« 09:30:12 » (Paris)."""
    return format_time(_paris(timestamp), "HH:mm:ss", tzinfo=PARIS, locale=LOCALE)


def _count_filter(value: Any, singular: str | None = None, plural_: str | None = None) -> object:
    """``{{ n | count("texte", "textes") }}``; without words it stays Jinja's ``count`` (a length)."""
    if singular is None:
        return len(value)
    return count(value, singular, singular if plural_ is None else plural_)


#: What templates use: ``{{ count(n, "texte", "textes") }}`` or ``{{ n | count("texte", "textes") }}``,
#: ``{{ names | join_list }}``, ``{{ ts | ago }}``, ``{{ ts | datetime_fr }}``…
TEMPLATE_FUNCTIONS = {
    "count": count,
    "plural": plural,
    "number": number,
    "join_list": join_list,
    "ago": ago,
    "date_fr": date_fr,
    "datetime_fr": datetime_fr,
    "time_fr": time_fr,
}
TEMPLATE_FILTERS = {**TEMPLATE_FUNCTIONS, "count": _count_filter}
