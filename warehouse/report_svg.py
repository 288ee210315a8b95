"""Static inline SVG charts for the HTML report: no JavaScript, no dependency, a few KB each."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f")
CHAR_PX = 7.2  # a generous width of one 12 px character (DejaVu Sans is wide), for label layout
NOTE_PX = 6.4  # the same for the 11 px notes beside bars


def el(tag: str, text: str | None = None, *children: str, **attrs: object) -> str:
    """One SVG element; attribute names use _ for - (text_anchor), floats are rounded to 0.1."""
    parts = [tag] + [
        f'{name.rstrip("_").replace("_", "-")}="{_fmt(value)}"' for name, value in attrs.items()
    ]
    inner = (escape(text) if text is not None else "") + "".join(children)
    return f"<{' '.join(parts)}>{inner}</{tag}>" if inner else f"<{' '.join(parts)}/>"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return escape(str(value))


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _pct(share: float) -> str:
    if share == 0:
        return "0%"
    return f"{share * 100:.1f}%" if share < 0.1 else f"{share * 100:.0f}%"


def _svg(kind: str, width: float, height: float, body: list[str], label: str) -> str:
    """Wrap chart elements in an <svg> that names its kind (tests and CSS find charts by it)."""
    return el(
        "svg",
        None,
        *body,
        class_="chart",
        data_chart=kind,
        role="img",
        aria_label=label,
        viewBox=f"0 0 {width:.0f} {height:.0f}",
        width="100%",
        style=f"max-width:{width:.0f}px",
        xmlns="http://www.w3.org/2000/svg",
    )


def _label(x: float, y: float, text: str, chars: int) -> str:
    """A right-aligned row label ending at x."""
    return el("text", _clip(text, chars), x=x, y=y, text_anchor="end")


def bar_chart(
    kind: str, rows: Sequence[tuple[str, float, str]], label: str, width: int = 620
) -> str:
    """Ranked horizontal bars: (label, share, annotation) per row, longest bar = largest share."""
    label_w = min(230, 12 + CHAR_PX * max((len(r[0]) for r in rows), default=4))
    chars = int((label_w - 12) / CHAR_PX)  # labels longer than the column are cut with an ellipsis
    note_w = 12 + NOTE_PX * max((len(r[2]) for r in rows), default=10)  # notes are never cut
    row_h, span = 24, max(120.0, width - label_w - note_w)
    top = max((r[1] for r in rows), default=0.0) or 1.0
    body = []
    for i, (name, share, note) in enumerate(rows):
        y, w = i * row_h, max(1.0, span * share / top)
        body.append(
            el(
                "g",
                None,
                el("title", f"{name}: {note}"),
                _label(label_w - 8, y + 16, name, chars),
                el(
                    "rect",
                    class_="bar",
                    x=label_w,
                    y=y + 4,
                    width=w,
                    height=row_h - 8,
                    fill=PALETTE[0],
                    rx=2,
                ),
                el("text", note, class_="note", x=label_w + w + 6, y=y + 16),
            )
        )
    return _svg(kind, width, max(row_h, row_h * len(rows)), body, label)


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above value, so axis ticks are round numbers."""
    scale = 10.0 ** math.floor(math.log10(value))
    return next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= value * 0.999)


def _y_axis(left: float, width: float, top: float, height: float, ymax: float,
            percent: bool = True) -> list[str]:
    """Horizontal grid lines with percentage (or count) labels at 0, 1/4, ... of ymax."""
    parts = []
    for k in range(5):
        y = top + height - height * k / 4
        parts.append(el("line", class_="grid", x1=left, x2=left + width, y1=y, y2=y))
        parts.append(
            el(
                "text",
                f"{ymax * k / 4 * 100:.3g}%" if percent else f"{ymax * k / 4:,.3g}",
                class_="tick",
                x=left - 6,
                y=y + 4,
                text_anchor="end",
            )
        )
    return parts


def _legend(names: Sequence[str], left: float, width: float) -> tuple[list[str], float]:
    """Colour keys laid out left to right, wrapping into rows; returns them and their height."""
    parts, x, y = [], left, 6.0
    for k, name in enumerate(names):
        text = _clip(name, 24)
        item_w = 30 + CHAR_PX * len(text)
        if x > left and x + item_w > left + width:
            x, y = left, y + 18
        parts.append(el("rect", x=x, y=y, width=12, height=12, fill=PALETTE[k % len(PALETTE)]))
        parts.append(el("text", text, x=x + 16, y=y + 10))
        x += item_w
    return parts, y + 18


def _series(name: str, points: list[tuple[float, float]], colour: str, dots: bool) -> str:
    """One line of the line chart, with a dot per day when there are few days."""
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    marks = [el("circle", cx=px, cy=py, r=2.5, fill=colour) for px, py in points] if dots else []
    path = el("polyline", points=line, fill="none", stroke=colour, stroke_width=2)
    return el("g", None, el("title", name), path, *marks, class_="series")


def line_chart(
    kind: str,
    series: Sequence[tuple[str, list[float]]],
    days: Sequence[date],
    label: str,
    width: int = 620,
    height: int = 260,
    percent: bool = True,
    tick_format: str = "%m-%d",
) -> str:
    """Shares per step (or counts: percent=False) as one line per series, with a legend above the
    plot; days holds each step's first day."""
    tick_w = 6.6 * len(date(2000, 12, 28).strftime(tick_format))  # an 11 px date label's width
    left, plot_w = 52.0, width - 52.0 - max(18.0, tick_w / 2 + 4)  # the last label fits
    legend, top = _legend([name for name, _ in series], left, plot_w)
    top += 10
    plot_h = height - top - 30
    ymax = _nice(max((v for _, values in series for v in values), default=0.0) or 0.01)
    n = len(days)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    body = legend + _y_axis(left, plot_w, top, plot_h, ymax, percent)
    most = max(2, min(8, int(plot_w // (tick_w + 16))))  # date labels that fit side by side
    step = max(1, -(-n // most))  # counted back from the last step
    for i in range(n - 1, -1, -step):
        tick = days[i].strftime(tick_format)
        body.append(
            el("text", tick, class_="tick", x=x(i), y=top + plot_h + 18, text_anchor="middle")
        )
    for k, (name, values) in enumerate(series):
        points = [(x(i), top + plot_h - plot_h * v / ymax) for i, v in enumerate(values)]
        body.append(_series(name, points, PALETTE[k % len(PALETTE)], dots=n <= 31))
    return _svg(kind, width, height, body, label)


def _blue(t: float) -> str:
    """A light-to-dark blue for t in [0, 1]."""
    lo, hi = (239, 246, 255), (8, 48, 107)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(lo, hi, strict=True))


def _cell(
    x: float, y: float, size: tuple[float, float], share: float, shade: float, tip: str
) -> str:
    """One heatmap cell: shaded by `shade` (0-1), labelled with the share in percent."""
    w, h = size
    rect = el("rect", x=x, y=y, width=w - 2, height=h - 2, fill=_blue(shade))
    ink = "#fff" if shade > 0.55 else "#1f2937"  # keep the number readable on dark cells
    value = str(round(share * 100)) if share else None
    text = el(
        "text", value, class_="value", x=x + w / 2 - 1, y=y + 15, text_anchor="middle", fill=ink
    )
    return el("g", None, el("title", tip), rect, text, class_="cell")


def heatmap(
    kind: str,
    rows: Sequence[str],
    cols: Sequence[str],
    cells: dict[tuple[int, int], tuple[float, str]],
    label: str,
) -> str:
    """Rows x columns of shaded cells; cells maps (row, col) to (share, tooltip)."""
    label_w, cell_w, cell_h, head_h = 150.0, 38.0, 24.0, 170.0
    top = max((v for v, _ in cells.values()), default=0.0) or 1.0
    body = []
    for j, name in enumerate(cols):
        turn = f"translate({label_w + cell_w * (j + 0.5):.0f},{head_h - 6:.0f}) rotate(-50)"
        body.append(el("text", _clip(name, 30), class_="col", transform=turn))
    for i, name in enumerate(rows):
        y = head_h + i * cell_h
        body.append(_label(label_w - 8, y + 16, name, 22))
        for j in range(len(cols)):
            share, tip = cells.get((i, j), (0.0, f"{name}: none"))
            body.append(_cell(label_w + j * cell_w, y, (cell_w, cell_h), share, share / top, tip))
    width = label_w + cell_w * len(cols) + 130  # room for the last rotated column label
    return _svg(kind, width, head_h + cell_h * len(rows) + 4, body, label)


def paired_bars(
    kind: str,
    rows: Sequence[tuple[str, float | None, float | None]],
    legend: tuple[str, str],
    label: str,
    width: int = 620,
) -> str:
    """Two bars per row on a common 0-100 % scale (e.g. home and foreign share per outlet)."""
    label_w, row_h, top = 170.0, 30.0, 24.0
    span = width - label_w - 60
    body = []
    for k, name in enumerate(legend):
        body.append(el("rect", x=label_w + k * 110, y=4, width=12, height=12, fill=PALETTE[k]))
        body.append(el("text", name, x=label_w + k * 110 + 16, y=14))
    for i, (name, a, b) in enumerate(rows):
        y = top + i * row_h
        body.append(_label(label_w - 8, y + 18, name, 26))
        for k, share in enumerate((a, b)):
            by, text = y + 3 + k * 12, "unknown" if share is None else _pct(share)
            w = span * (share or 0.0)
            body.append(
                el(
                    "g",
                    None,
                    el("title", f"{name} {legend[k]}: {text}"),
                    el(
                        "rect",
                        class_="bar",
                        x=label_w,
                        y=by,
                        width=max(1.0, w),
                        height=10,
                        fill=PALETTE[k],
                    ),
                    el("text", text, class_="note", x=label_w + w + 5, y=by + 9),
                )
            )
    return _svg(kind, width, top + row_h * len(rows) + 4, body, label)
