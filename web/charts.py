"""Charts drawn on the server as inline SVG: one mark per data point, no scripts.

Every chart is a picture (`role="img"` named by its `<title>`); the page puts the same numbers
in a table beside it for screen readers and for anyone who wants the exact figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from hub.stats import Point

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34
COLOURS = ("#2e7d32", "#c62828", "#b26a00")  # done, failed, pending: also told apart by order
INK, GRID, MARK = "#333333", "#dddddd", "#1f5fa8"


def bar_chart(points: Sequence[Point], title: str) -> Markup:
    """Vertical bars, one per point, labelled at the first, middle and last bar."""
    top = _scale_top(p.value for p in points)
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    marks = []
    for index, point in enumerate(points):
        height, width = _height(point.value, top), min(slot * 0.7, 40.0)
        x, y = LEFT + index * slot + (slot - width) / 2, HEIGHT - BOTTOM - height
        marks.append(
            f'<rect class="mark" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" fill="{MARK}">{_tip(point.label, point.value)}</rect>'
        )
    labels = _x_labels([p.label for p in points], slot)
    return _svg(title, top, "".join(marks) + labels)


def line_chart(points: Sequence[Point], title: str) -> Markup:
    """A line through the points, with a dot on each; first, middle and last labelled."""
    top = _scale_top(p.value for p in points)
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    spots = [
        (LEFT + index * slot + slot / 2, HEIGHT - BOTTOM - _height(point.value, top))
        for index, point in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in spots)
    line = f'<polyline points="{path}" fill="none" stroke="{MARK}" stroke-width="2"/>'
    dots = "".join(
        f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{MARK}">'
        f"{_tip(point.label, point.value)}</circle>"
        for (x, y), point in zip(spots, points, strict=True)
    )
    labels = _x_labels([p.label for p in points], slot)
    return _svg(title, top, line + dots + labels)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]], names: Sequence[str], title: str
) -> Markup:
    """Horizontal bars, one per row, split into one segment per named part (a legend below)."""
    top = _scale_top(sum(values) for _, values in rows)
    height = 22 * max(len(rows), 1) + TOP + BOTTOM
    room = WIDTH - 170 - RIGHT
    marks = []
    for index, (label, values) in enumerate(rows):
        y, x = TOP + index * 22, 170.0
        marks.append(f'<text x="164" y="{y + 14}" text-anchor="end" font-size="11" '
                     f'fill="{INK}">{escape(_short(label, 26))}</text>')  # fmt: skip
        for part, value in enumerate(values):
            width = room * value / top if top else 0.0
            tip = _tip(f"{label}, {names[part]}", value)
            marks.append(
                f'<rect class="mark" x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="16" '
                f'fill="{COLOURS[part % len(COLOURS)]}">{tip}</rect>'
            )
            x += width
    legend = "".join(
        f'<rect x="{170 + n * 120}" y="{height - 20}" width="10" height="10" '
        f'fill="{COLOURS[n % len(COLOURS)]}"/><text x="{184 + n * 120}" y="{height - 11}" '
        f'font-size="11" fill="{INK}">{escape(name)}</text>'
        for n, name in enumerate(names)
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="chart" role="img"><title>{escape(title)}</title>'
        f"{''.join(marks)}{legend}</svg>"
    )


def _svg(title: str, top: int, body: str) -> Markup:
    base = HEIGHT - BOTTOM
    axis = (
        f'<line x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}" stroke="{GRID}"/>'
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{INK}"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11" '
        f'fill="{INK}">{top}</text>'
        f'<text x="{LEFT - 6}" y="{base + 4}" text-anchor="end" font-size="11" '
        f'fill="{INK}">0</text>'
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img"><title>{escape(title)}</title>{axis}{body}</svg>'
    )


def _x_labels(labels: Sequence[str], slot: float) -> str:
    if not labels:
        return ""
    shown = sorted({0, len(labels) // 2, len(labels) - 1})
    return "".join(
        f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="middle" font-size="11" fill="{INK}">{escape(_short(labels[i], 18))}</text>'
        for i in shown
    )


def _tip(label: str, value: int) -> str:
    return f"<title>{escape(label)}: {value}</title>"


def _scale_top(values: Iterable[int]) -> int:
    """The top of the value axis: the largest value, at least 1."""
    return max([1, *values])


def _height(value: int, top: int) -> float:
    return (HEIGHT - TOP - BOTTOM) * value / top


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
