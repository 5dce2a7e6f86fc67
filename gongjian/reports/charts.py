"""Simple bar charts drawn with Pillow for the Word report (no plotting library needed).

One chart shows one quantity in one unit (a rate in %, a score in 分): charts never put
two units on one axis. Category labels are never cut or overlapped: a chart with many
categories or long names lays its bars horizontally with the full names on the left;
otherwise the names under the bars wrap onto at most three lines.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "/System/Library/Fonts/PingFang.ttc",
]
INK, GREY, GRID, BAR, MARK = "#222222", "#666666", "#E5E5E5", "#2F6DB5", "#C0392B"


@lru_cache(maxsize=8)
def cjk_font(size: int):
    """A font that can draw Chinese, or Pillow's default when none is installed."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def has_cjk_font() -> bool:
    return any(Path(c).exists() for c in FONT_CANDIDATES)


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 covering ``top`` (0, 25, 50 … rather than 43.8, 87.6 …)."""
    top = max(top, 1e-9)
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    n = math.ceil(top / step - 1e-9)
    return [step * i for i in range(n + 1)]


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _width(draw: ImageDraw.ImageDraw, text: str, font) -> float:
    return draw.textlength(text, font=font)


def wrap(draw: ImageDraw.ImageDraw, text: str, font, width: float, lines: int = 3) -> list[str]:
    """``text`` broken into at most ``lines`` lines no wider than ``width`` (Chinese breaks
    between any two characters); what does not fit ends in “…”."""
    out: list[str] = []
    current = ""
    for ch in text:
        if _width(draw, current + ch, font) <= width or not current:
            current += ch
        else:
            out.append(current)
            current = ch
    if current:
        out.append(current)
    if len(out) > lines:
        last = out[lines - 1]
        while last and _width(draw, last + "…", font) > width:
            last = last[:-1]
        out = [*out[: lines - 1], last + "…"]
    return out


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float],
    *,
    marker: float | None = None,
    marker_label: str = "",
    value_format: str = "{:.1f}",
    colors: list[str] | None = None,
    horizontal: bool | None = None,
    width: int = 1600,
    height: int | None = None,
) -> bytes:
    """A bar chart as PNG bytes; ``marker`` draws a dashed reference line. ``horizontal``
    None chooses: horizontal when the names would not fit under the bars."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_font = cjk_font(30)
    n = max(len(values), 1)
    if horizontal is None:
        slot = (width - 150) / n
        longest = max((_width(probe, label, label_font) for label in labels), default=0)
        horizontal = n > 8 or longest > slot * 0.95  # names that would wrap: lay flat
    draw_chart = _horizontal if horizontal else _vertical
    return draw_chart(
        title,
        labels,
        values,
        marker=marker,
        marker_label=marker_label,
        value_format=value_format,
        colors=colors or [BAR] * len(values),
        width=width,
        height=height,
    )


def _boxed(draw: ImageDraw.ImageDraw, xy, text: str, font, anchor: str) -> None:
    """A value label on a white box: readable over a grid or reference line."""
    box = draw.textbbox(xy, text, font=font, anchor=anchor)
    draw.rectangle([(box[0] - 3, box[1] - 2), (box[2] + 3, box[3] + 2)], fill="white")
    draw.text(xy, text, fill=INK, font=font, anchor=anchor)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _vertical(title, labels, values, *, marker, marker_label, value_format, colors, width, height):
    height = height or 900
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title_font, label_font, value_font = cjk_font(42), cjk_font(30), cjk_font(28)
    draw.text((width / 2, 24), title, fill=INK, font=title_font, anchor="mt")
    ticks = nice_ticks(max([*values, marker or 0, 0.0001]) * 1.08)
    top_value = ticks[-1]
    left, right, top, bottom = 130, width - 40, 140, height - 150
    if marker is not None and marker_label:
        top += 20
    for tick in ticks:
        y = bottom - (bottom - top) * tick / top_value
        draw.line([(left, y), (right, y)], fill=GRID if tick else "#444444", width=2)
        draw.text((left - 12, y), _tick_text(tick), fill=GREY, font=value_font, anchor="rm")
    draw.line([(left, top), (left, bottom)], fill="#444444", width=2)
    if marker is not None:  # behind the bars and their values
        y = bottom - (bottom - top) * marker / top_value
        for x in range(left, right, 24):
            draw.line([(x, y), (min(x + 12, right), y)], fill=MARK, width=3)
        if marker_label:
            draw.text((right, 96), f"- - {marker_label}", fill=MARK, font=value_font, anchor="rt")
    n = max(len(values), 1)
    slot = (right - left) / n
    bar = min(slot * 0.6, 140)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + slot * i + (slot - bar) / 2
        y0 = bottom - (bottom - top) * value / top_value
        draw.rectangle([(x0, y0), (x0 + bar, bottom)], fill=colors[i])
        _boxed(draw, (x0 + bar / 2, y0 - 6), value_format.format(value), value_font, "mb")
        for k, line in enumerate(wrap(draw, label, label_font, slot * 0.95)):
            draw.text(
                (x0 + bar / 2, bottom + 14 + k * 38), line, fill=INK, font=label_font, anchor="mt"
            )
    return _png(image)


def _horizontal(
    title, labels, values, *, marker, marker_label, value_format, colors, width, height
):
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    title_font, label_font, value_font = cjk_font(42), cjk_font(30), cjk_font(28)
    row = 64
    label_width = min(
        max((_width(probe, label, label_font) for label in labels), default=100) + 30, width * 0.42
    )
    top = 150 if marker is not None and marker_label else 110
    height = height or top + row * max(len(values), 1) + 70
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((width / 2, 24), title, fill=INK, font=title_font, anchor="mt")
    left, right, bottom = label_width, width - 130, height - 60
    ticks = nice_ticks(max([*values, marker or 0, 0.0001]) * 1.05)
    top_value = ticks[-1]

    def x_of(value: float) -> float:
        return left + (right - left) * value / top_value

    for tick in ticks:
        x = x_of(tick)
        draw.line([(x, top), (x, bottom)], fill=GRID, width=2)
        draw.text((x, bottom + 8), _tick_text(tick), fill=GREY, font=value_font, anchor="mt")
    draw.line([(left, top), (left, bottom)], fill="#444444", width=2)
    if marker is not None:  # behind the bars and their values
        x = x_of(marker)
        for y in range(int(top) - 10, int(bottom), 22):
            draw.line([(x, y), (x, min(y + 11, bottom))], fill=MARK, width=3)
        if marker_label:
            draw.text((x, top - 14), marker_label, fill=MARK, font=value_font, anchor="mb")
    slot = (bottom - top) / max(len(values), 1)
    bar = min(slot * 0.64, 44)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y_mid = top + slot * i + slot / 2
        draw.rectangle([(left, y_mid - bar / 2), (x_of(value), y_mid + bar / 2)], fill=colors[i])
        _boxed(draw, (x_of(value) + 8, y_mid), value_format.format(value), value_font, "lm")
        text = wrap(draw, label, label_font, left - 30, lines=1)[0]
        draw.text((left - 14, y_mid), text, fill=INK, font=label_font, anchor="rm")
    return _png(image)
