"""Templates and conditions in flow files, evaluated in Jinja's immutable sandbox.

Flow files are written by operators; ticket text only ever arrives as *data* inside the facts.
Rendering substitutes values and never evaluates them again, so nothing a customer writes can
become an expression, a tool name or a recipient.
"""

import re
from datetime import datetime, timezone
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from jinja2 import ChainableUndefined, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import HubError
from ..i18n.formats import Formats
from ..understanding.actions import asks_for
from .answers import labelled_address, labelled_profile, newsletter_choice
from .scope import open_return_for, returnable_lines, scope

#: A whole argument written as one expression keeps its type: ``"{{ order.line_items }}"`` is a list.
_WHOLE = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.S)


class ExpressionError(HubError):
    """A template or condition failed to evaluate against the run's facts."""


def _decimal(value):
    """A money amount as a Decimal for comparisons; dicts with an ``amount`` are unwrapped."""
    if isinstance(value, dict):
        value = value.get("amount")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")


def _days_since(value):
    """Whole days from an ISO-8601 timestamp to now (None when there is no timestamp)."""
    if not value:
        return None
    try:
        then = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - then).days


def _pick(items, *keys):
    """Each mapping in ``items`` cut down to ``keys``: vendor results into tool arguments."""
    return [{key: item[key] for key in keys if key in item} for item in items or ()]


#: Who an address is for, as opposed to where it is: kept when a parcel is sent elsewhere.
_RECIPIENT_FIELDS = ("first_name", "last_name", "company", "phone")


def _moved_to(current, place):
    """The recipient of ``current`` (name, company, phone) at the new ``place``. Every location
    field comes from ``place``, so the old address's state or flat never sticks to the new one."""
    merged = {key: (current or {}).get(key) for key in _RECIPIENT_FIELDS}
    merged.update(place or {})
    return {key: value for key, value in merged.items() if value not in (None, "")}


#: Operators read English: summaries, reasons and conditions use these forms.
_ENGLISH = Formats()


def _localised_filters(formats):
    return {"money": formats.money, "date": formats.date, "status": formats.status}


def _environment(undefined):
    env = ImmutableSandboxedEnvironment(undefined=undefined, autoescape=False, keep_trailing_newline=False)
    env.filters.update(decimal=_decimal, pick=_pick, moved_to=_moved_to, **_localised_filters(_ENGLISH))
    env.globals.update(days_since=_days_since, labelled_address=labelled_address,
                       labelled_profile=labelled_profile, newsletter_choice=newsletter_choice,
                       scope=scope, returnable_lines=returnable_lines, open_return_for=open_return_for,
                       asks_for=asks_for)
    return env


# Conditions read missing facts as "undefined" (falsy); templates refuse to render around a gap.
_CONDITIONS = _environment(ChainableUndefined)
_TEMPLATES = _environment(StrictUndefined)


def check_syntax(source, kind="template"):
    """Raise ExpressionError if ``source`` does not parse (used when flows load)."""
    try:
        if kind == "condition":
            _CONDITIONS.compile_expression(source)
        else:
            _TEMPLATES.parse(source)
    except TemplateError as error:
        raise ExpressionError(f"{kind} {source!r} does not parse: {error}") from None


def condition(source, facts):
    """The truth of a condition expression over ``facts``."""
    try:
        value = _CONDITIONS.compile_expression(source, undefined_to_none=True)(**facts)
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        # e.g. comparing a missing date with a number: the facts do not support the condition
        raise ExpressionError(f"condition {source!r} failed: {type(error).__name__}: {error}") from None
    return bool(value)


def value(source, facts):
    """The value of an expression (missing facts give None)."""
    try:
        return _CONDITIONS.compile_expression(source, undefined_to_none=True)(**facts)
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        raise ExpressionError(f"expression {source!r} failed: {type(error).__name__}: {error}") from None


@lru_cache(maxsize=32)
def _templates_for(formats):
    """The template environment whose money, dates and status words are ``formats``'."""
    env = _TEMPLATES.overlay()
    # An overlay shares its parent's filter dict: a copy, or every render would take these forms.
    env.filters = {**_TEMPLATES.filters, **_localised_filters(formats)}
    return env


def parse(source):
    """The Jinja syntax tree of a text template (hub.i18n compares a translation's with its source's)."""
    return _TEMPLATES.parse(source)


def render(source, facts, formats=None):
    """Render a text template; a missing fact is an error rather than a silent blank.

    ``formats`` (hub.i18n.formats) writes money, dates and status words for the customer's
    language; without it they are written in English, for operators.
    """
    env = _TEMPLATES if formats is None or formats == _ENGLISH else _templates_for(formats)
    try:
        return env.from_string(source).render(**facts).strip()
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        raise ExpressionError(f"template {source[:60]!r} failed: {type(error).__name__}: {error}") from None


def render_arguments(arguments, facts):
    """Tool arguments from a flow node: strings are templates, nested lists and dicts recurse."""
    if isinstance(arguments, dict):
        return {key: render_arguments(item, facts) for key, item in arguments.items()}
    if isinstance(arguments, list):
        return [render_arguments(item, facts) for item in arguments]
    if isinstance(arguments, str):
        whole = _WHOLE.match(arguments)
        if whole and "{{" not in whole.group(1):
            result = value(whole.group(1), facts)
            if result is None:
                raise ExpressionError(f"argument {arguments!r} has no value in this run's facts")
            return result
        return render(arguments, facts)
    return arguments
