"""Bar charts as SVG text, drawn without a plotting library.

A benchmark chart is a few rectangles and labels: SVG written by hand diffs as text, renders
on GitHub and in any browser, and needs no dependency. Each bar carries a ``<title>`` (its
tooltip) naming its group, its series and its value, which is also what tests look for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

__all__ = ["grouped_bars"]


def grouped_bars(
    *,
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, str]],
    value: Callable[[str, str], float | None],
    unit: str,
    axis_label: str,
    width: int = 760,
    height: int = 360,
    line: tuple[float, str] | None = None,
) -> str:
    """Bars of ``value(group, series)`` (None: no bar), one cluster per group and one colour
    per series (``(name, colour)``), on a linear axis from zero; ``line`` draws a dashed
    horizontal line at a value (a target) with its label."""
    left, right, top, bottom = 64, 16, 40, 96
    plot_width, plot_height = width - left - right, height - top - bottom
    values = [value(group, name) for group in groups for name, _ in series]
    highest = max([v for v in values if v is not None] + [line[0] if line else 0.0, 1e-9])
    step = 10 ** max(len(str(int(highest))) - 1, 0) if highest >= 1 else 0.1
    scale_top = (int(highest * 1.15 // step) + 1) * step
    cluster = plot_width / max(len(groups), 1)
    bar = cluster * 0.8 / max(len(series), 1)

    def y(amount: float) -> float:
        return top + plot_height * (1 - amount / scale_top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="13">{escape(title)}</text>',
    ]
    for index in range(6):
        tick = scale_top * index / 5
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#e0e0e0"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:,.4g}</text>'
        )
    parts.append(
        f'<text transform="translate(14 {top + plot_height / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(axis_label)}</text>'
    )
    for position, group in enumerate(groups):
        start = left + position * cluster + cluster * 0.1
        for index, (name, colour) in enumerate(series):
            amount = value(group, name)
            if amount is None:
                continue
            x = start + index * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{y(amount):.1f}" width="{bar * 0.92:.1f}" '
                f'height="{top + plot_height - y(amount):.1f}" fill="{colour}">'
                f"<title>{escape(group)}, {escape(name)}: {amount:,.4g} {escape(unit)}</title>"
                "</rect>"
            )
            parts.append(
                f'<text x="{x + bar * 0.46:.1f}" y="{y(amount) - 4:.1f}" text-anchor="middle" '
                f'font-size="9">{amount:,.4g}</text>'
            )
        parts.append(
            f'<text x="{left + (position + 0.5) * cluster:.1f}" y="{top + plot_height + 18}" '
            f'text-anchor="middle" font-size="11">{escape(group)}</text>'
        )
    if line is not None:
        level, label = line
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
            'stroke="#c62828" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{width - right - 4}" y="{y(level) - 4:.1f}" text-anchor="end" '
            f'fill="#c62828">{escape(label)}</text>'
        )
    for index, (name, colour) in enumerate(series):
        x = left + (index % 2) * 330
        row_y = height - 44 + (index // 2) * 18
        parts.append(f'<rect x="{x}" y="{row_y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="{row_y}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
