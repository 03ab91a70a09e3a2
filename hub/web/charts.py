"""Day-by-day charts as inline SVG, drawn on the server.

No script and no chart library: the page works under the app's Content-Security-Policy
(``script-src 'self'``), offline, and without JavaScript. Each chart is an ``<svg role="img">``
with a ``<title>`` and ``<desc>``, labelled axes, and a ``<title>`` on every bar and point so
hovering shows the exact figure; the template puts a data table beside each chart for screen
readers and copying. Colours are classes (hub/static/dashboard.css), so the SVG stays data.
"""

import math
from dataclasses import dataclass, field
from datetime import timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 44
MAX_X_LABELS = 8
Y_TICKS = 4


@dataclass
class Series:
    """One thing measured per day. ``values`` maps a date to a number, or None for a day with
    nothing to measure (drawn as a gap, never as zero)."""

    name: str
    values: dict = field(default_factory=dict)
    kind: str = "line"  # "line" or "bar"
    css: str = "series-1"


def days_between(first, last):
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def nice_step(raw, whole):
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``raw``; only whole numbers (at least 1)
    when ``whole`` — a count axis has no tick at 2.5 tickets."""
    if whole and raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and not (whole and step != int(step)):
            return step
    return 10 * magnitude


def y_scale(largest, whole, top=None):
    """``(top, step)`` of the value axis: at most Y_TICKS readable steps from 0 past ``largest``."""
    if top is not None:
        return top, top / Y_TICKS
    if largest <= 0:
        return (1, 1) if whole else (1, 1 / Y_TICKS)
    step = nice_step(largest / Y_TICKS, whole)
    return step * math.ceil(largest / step), step


def time_chart(chart_id, title, series, fmt, first, last, y_top=None, y_label="", whole=False, axis_fmt=None):
    """The SVG for ``series`` over the days ``first``..``last``, or None when no series has a
    single value there (the template says "no data" instead of drawing an empty frame).

    ``fmt`` turns a value into its label on points and bars, ``axis_fmt`` (default ``fmt``) on
    the value axis; ``whole`` keeps that axis on whole numbers (counts); ``y_top`` fixes its top
    (1 for a rate).
    """
    days = days_between(first, last)
    present = [value for s in series for day, value in s.values.items() if value is not None and first <= day <= last]
    if not present:
        return None
    top, step = y_scale(max(present), whole, y_top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(days)

    def x(day):
        return LEFT + ((day - first).days + 0.5) * slot

    def y(value):
        return TOP + plot_h - (min(value, top) / top) * plot_h

    names = ", ".join(s.name for s in series)
    parts = [f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" preserveAspectRatio="xMidYMid meet">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(names)} per day, {first.isoformat()} to {last.isoformat()}; '
             f'the table below the chart lists every value.</desc>']
    parts += _y_axis(top, step, axis_fmt or fmt, plot_w, plot_h, y, y_label)
    parts += _x_axis(days, x, plot_h)
    bar_series = [s for s in series if s.kind == "bar"]
    for s in series:
        parts.append(f'<g class="series {escape(s.css)}" data-series="{escape(s.name)}">')
        if s.kind == "bar":
            parts += _bars(s, days, x, y, slot, bar_series, fmt)
        else:
            parts += _line(s, days, x, y, fmt)
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _y_axis(top, step, fmt, plot_w, plot_h, y, y_label):
    parts = ['<g class="axis y-axis">',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>']
    for index in range(round(top / step) + 1):
        value = step * index
        at = y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{at:.1f}" x2="{LEFT + plot_w}" y2="{at:.1f}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">{escape(fmt(value))}</text>')
    if y_label:
        parts.append(f'<text class="axis-label" transform="rotate(-90)" x="{-(TOP + plot_h / 2):.1f}" y="12" '
                     f'text-anchor="middle">{escape(y_label)}</text>')
    parts.append("</g>")
    return parts


def _x_axis(days, x, plot_h):
    base = TOP + plot_h
    parts = ['<g class="axis x-axis">', f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>']
    every = max(1, math.ceil(len(days) / MAX_X_LABELS))
    for index, day in enumerate(days):
        if index % every == 0:
            at = x(day)
            parts.append(f'<line x1="{at:.1f}" y1="{base}" x2="{at:.1f}" y2="{base + 4}"/>')
            parts.append(f'<text x="{at:.1f}" y="{base + 16}" text-anchor="middle">{day.day} {day:%b}</text>')
    parts.append(f'<text class="axis-label" x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" y="{HEIGHT - 6}" '
                 f'text-anchor="middle">date</text>')
    parts.append("</g>")
    return parts


def _bars(s, days, x, y, slot, bar_series, fmt):
    # Bar series with a value on the same day share its slot side by side (70 % of it in all);
    # a series alone on a day (recorded history, then the forecast) gets the whole width.
    parts = []
    for day in days:
        value = s.values.get(day)
        if value is None:
            continue
        sharing = [other for other in bar_series if other.values.get(day) is not None]
        width = slot * 0.7 / len(sharing)
        left = x(day) - slot * 0.35 + sharing.index(s) * width
        top, bottom = y(value), y(0)
        parts.append(f'<rect class="bar" x="{left:.1f}" y="{top:.1f}" width="{max(width, 0.5):.1f}" '
                     f'height="{max(bottom - top, 0):.1f}" data-date="{day.isoformat()}" data-value="{value}">'
                     f'<title>{escape(s.name)}, {day.isoformat()}: {escape(fmt(value))}</title></rect>')
    return parts


def _line(s, days, x, y, fmt):
    parts, segment = [], []

    def flush():
        if len(segment) > 1:
            parts.append('<polyline class="line" points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py in segment) + '"/>')
        segment.clear()

    points = []
    for day in days:
        value = s.values.get(day)
        if value is None:
            flush()  # a day with nothing to measure is a gap in the line, not a zero
            continue
        segment.append((x(day), y(value)))
        points.append(f'<circle class="point" cx="{x(day):.1f}" cy="{y(value):.1f}" r="3.5" '
                      f'data-date="{day.isoformat()}" data-value="{value}">'
                      f'<title>{escape(s.name)}, {day.isoformat()}: {escape(fmt(value))}</title></circle>')
    flush()
    return parts + points


def legend(series):
    """A legend for a chart with more than one series (HTML, beside the SVG)."""
    items = "".join(f'<li><span class="swatch {escape(s.css)} {escape(s.kind)}" aria-hidden="true"></span>'
                    f'{escape(s.name)}</li>' for s in series)
    return Markup(f'<ul class="legend">{items}</ul>')
