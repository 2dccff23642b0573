"""Small SVG charts rendered on the server: no JavaScript, no library, no CDN.

Each function returns inline SVG markup (escaped text, a ``<title>`` per bar for a tooltip)
that scales with the page (``viewBox``, width 100%). Colours come from the stylesheet's
classes (``chart-bar``, ``chart-axis`` …), so the charts follow the console's look.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def columns(
    labels: Sequence[str],
    values: Sequence[float],
    label: str,
    every: int = 1,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Vertical bars (a time series): ``every`` n-th label is written under the axis."""
    left, bottom, top = 36, 28, 12
    n = max(1, len(values))
    peak = max([*values, 1])
    slot = (width - left - 4) / n
    plot = height - bottom - top
    body = [
        f'<line class="chart-axis" x1="{left}" y1="{height - bottom}" '
        f'x2="{width}" y2="{height - bottom}"/>',
        f'<text class="chart-tick" x="{left - 4}" y="{top + 4}" text-anchor="end">'
        f"{_num(peak)}</text>",
        f'<text class="chart-tick" x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>',
    ]
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        h = plot * value / peak
        x = left + i * slot + slot * 0.12
        y = height - bottom - h
        body.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" '
            f'width="{slot * 0.76:.1f}" height="{h:.1f}">'
            f"<title>{escape(name)}：{_num(value)}</title></rect>"
        )
        if i % every == 0:
            body.append(
                f'<text class="chart-tick" x="{x + slot * 0.38:.1f}" '
                f'y="{height - bottom + 16}" text-anchor="middle">{escape(name)}</text>'
            )
    return _svg(width, height, body, label)


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    label: str,
    unit: str = "",
    width: int = 720,
    row: int = 30,
) -> Markup:
    """Horizontal bars (a ranking or shares): label on the left, value after the bar."""
    left, right = 260, 70
    height = max(row, row * len(values)) + 4
    peak = max([*values, 1])
    body: list[str] = []
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = 2 + i * row
        w = (width - left - right) * value / peak
        text = name if len(name) <= 15 else name[:14] + "…"
        body.append(
            f'<text class="chart-label" x="{left - 8}" y="{y + row * 0.65:.1f}" '
            f'text-anchor="end">{escape(text)}<title>{escape(name)}</title></text>'
        )
        body.append(
            f'<rect class="chart-bar" x="{left}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row - 8}"><title>{escape(name)}：{_num(value)}{unit}</title>'
            "</rect>"
        )
        body.append(
            f'<text class="chart-value" x="{left + w + 6:.1f}" '
            f'y="{y + row * 0.65:.1f}">{_num(value)}{escape(unit)}</text>'
        )
    return _svg(width, height, body, label)


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
