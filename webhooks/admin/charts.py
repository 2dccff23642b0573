"""Small SVG charts rendered on the server: no JavaScript, no library, no CDN.

The charts have no ``viewBox``: user units are CSS pixels, so text is drawn at its stylesheet
size (``chart-tick`` 13 px, ``chart-label`` 14 px) however wide the page is, on a desktop as on
a 390 px phone. Horizontal positions are percentages of the chart's width, so the bars still
fill it; heights are fixed pixels. The value axis of column charts has a few round ticks with
grid lines (0, 5, 10, 15 …), not just 0 and the maximum. Each bar has a ``<title>`` (a
tooltip), and the whole chart an ``aria-label``. Colours come from the stylesheet's classes
(``chart-bar``, ``chart-axis``, ``chart-seg-answered`` …), so the charts follow the console's
look.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

#: Left margin of column charts (the value axis labels, from the left edge), in % of the width:
#: room for four digits at 13 px on a 390 px phone.
AXIS = 10.0
#: Where horizontal bars start (after their labels), in % of the width.
LABELS = 45.0
#: Room kept right of the longest horizontal bar for its value, in % of the width.
VALUE_ROOM = 14.0
TICK_PX = 13  # keep in step with .chart-tick in admin.css


def _svg(height: int, body: list[str], label: str, kind: str) -> Markup:
    return Markup(
        f'<svg class="chart chart-{kind}" width="100%" height="{height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def nice_ticks(peak: float, most: int = 5) -> list[float]:
    """Round values from 0 to at least ``peak`` (0, 2, 4 … / 0, 5, 10 … / 0, 25, 50 …)."""
    if peak <= 0:
        return [0.0, 1.0]
    raw = peak / max(1, most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1:
        step = 1.0
    count = math.ceil(peak / step - 1e-9)
    return [i * step for i in range(count + 1)]


def _value_axis(ticks: Sequence[float], top: int, plot: int, unit: str) -> list[str]:
    peak = ticks[-1]
    body: list[str] = []
    for t in ticks:
        y = top + plot - plot * t / peak
        css = "chart-axis" if t == 0 else "chart-grid"
        body.append(f'<line class="{css}" x1="{AXIS}%" y1="{y:.1f}" x2="100%" y2="{y:.1f}"/>')
        body.append(
            f'<text class="chart-tick chart-axis-label" x="0" y="{y + TICK_PX / 3:.1f}">'
            f"{_tick(t)}{escape(unit)}</text>"
        )
    return body


def columns(
    labels: Sequence[str],
    values: Sequence[float],
    label: str,
    every: int = 1,
    height: int = 240,
) -> Markup:
    """Vertical bars (a time series): ``every`` n-th label is written under the axis."""
    top, bottom = 12, 30
    plot = height - top - bottom
    n = max(1, len(values))
    ticks = nice_ticks(max([*values, 0]))
    peak = ticks[-1]
    slot = (100 - AXIS - 1) / n
    body = _value_axis(ticks, top, plot, "")
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        h = plot * value / peak
        x = AXIS + 1 + i * slot
        body.append(
            f'<rect class="chart-bar" x="{x + slot * 0.12:.2f}%" y="{top + plot - h:.1f}" '
            f'width="{slot * 0.76:.2f}%" height="{h:.1f}">'
            f"<title>{escape(name)}：{_num(value)}</title></rect>"
        )
        if i % every == 0:
            body.append(
                f'<text class="chart-tick" x="{x + slot / 2:.2f}%" y="{height - 10}" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    return _svg(height, body, label, "columns")


def stacked(
    labels: Sequence[str],
    shares: Sequence[Sequence[float]],
    series: Sequence[tuple[str, str]],
    label: str,
    every: int = 1,
    height: int = 240,
) -> Markup:
    """100 % stacked columns: ``shares[i][k]`` is the share (0–100) of series ``k`` in column
    ``i``; ``series`` is (css name, label) from the bottom up. Empty columns stay empty. The
    axis is in per cent without the sign (say so in the heading), to fit a phone."""
    top, bottom = 12, 30
    plot = height - top - bottom
    n = max(1, len(labels))
    slot = (100 - AXIS - 1) / n
    body = _value_axis([0, 25, 50, 75, 100], top, plot, "")
    for i, (name, column) in enumerate(zip(labels, shares, strict=True)):
        x = AXIS + 1 + i * slot
        y = float(top + plot)
        for (css, series_label), share in zip(series, column, strict=True):
            h = plot * share / 100
            if h <= 0:
                continue
            y -= h
            body.append(
                f'<rect class="chart-seg chart-seg-{css}" x="{x + slot * 0.1:.2f}%" '
                f'y="{y:.1f}" width="{slot * 0.8:.2f}%" height="{h:.1f}">'
                f"<title>{escape(name)} {escape(series_label)}：{_num(share)}%</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text class="chart-tick" x="{x + slot / 2:.2f}%" y="{height - 10}" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    return _svg(height, body, label, "stacked")


def legend(series: Sequence[tuple[str, str]]) -> Markup:
    """The key of a stacked chart, as HTML (readable text, colour from the same classes)."""
    items = "".join(
        f'<li><svg class="swatch" width="14" height="14" aria-hidden="true">'
        f'<rect class="chart-seg chart-seg-{escape(css)}" width="14" height="14"/></svg>'
        f"{escape(name)}</li>"
        for css, name in series
    )
    return Markup(f'<ul class="legend">{items}</ul>')


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    label: str,
    unit: str = "",
    row: int = 32,
    chars: int = 10,
) -> Markup:
    """Horizontal bars (a ranking or shares): label on the left, value after the bar."""
    height = max(row, row * len(values)) + 4
    peak = max([*values, 1])
    body: list[str] = []
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = 2 + i * row
        w = (100 - LABELS - VALUE_ROOM) * value / peak
        text = name if len(name) <= chars else name[: chars - 1] + "…"
        body.append(
            f'<text class="chart-label" x="0" y="{y + row * 0.62:.1f}">'
            f"{escape(text)}<title>{escape(name)}</title></text>"
        )
        body.append(
            f'<rect class="chart-bar" x="{LABELS}%" y="{y + 5}" width="{w:.2f}%" '
            f'height="{row - 10}"><title>{escape(name)}：{_num(value)}{escape(unit)}</title>'
            "</rect>"
        )
        body.append(
            f'<text class="chart-value" x="{LABELS + w + 1:.2f}%" '
            f'y="{y + row * 0.62:.1f}">{_num(value)}{escape(unit)}</text>'
        )
    return _svg(height, body, label, "bars")


def _tick(value: float) -> str:
    """An axis value in at most four characters (12000 → 1.2万)."""
    if value >= 10000:
        return f"{value / 10000:.3g}万"
    return _num(value)


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
