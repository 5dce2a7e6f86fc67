"""Simple bar charts drawn with Pillow for the Word report (no plotting library needed)."""

from __future__ import annotations

import io
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


@lru_cache(maxsize=8)
def cjk_font(size: int):
    """A font that can draw Chinese, or Pillow's default when none is installed."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def has_cjk_font() -> bool:
    return any(Path(c).exists() for c in FONT_CANDIDATES)


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float],
    *,
    marker: float | None = None,
    marker_label: str = "",
    value_format: str = "{:.1f}",
    colors: list[str] | None = None,
    width: int = 1600,
    height: int = 800,
) -> bytes:
    """A vertical bar chart as PNG bytes; ``marker`` draws a dashed reference line."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title_font, label_font, value_font = cjk_font(40), cjk_font(26), cjk_font(24)
    draw.text((width / 2, 30), title, fill="#222222", font=title_font, anchor="mt")
    left, right, top, bottom = 110, width - 40, 120, height - 150
    top_value = max([*values, marker or 0, 0.0001]) * 1.15
    draw.line([(left, bottom), (right, bottom)], fill="#444444", width=2)
    draw.line([(left, top), (left, bottom)], fill="#444444", width=2)
    for step in range(1, 5):
        y = bottom - (bottom - top) * step / 4
        draw.line([(left, y), (right, y)], fill="#E5E5E5", width=1)
        draw.text(
            (left - 10, y),
            value_format.format(top_value * step / 4),
            fill="#666666",
            font=value_font,
            anchor="rm",
        )
    n = max(len(values), 1)
    slot = (right - left) / n
    bar = slot * 0.6
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + slot * i + (slot - bar) / 2
        y0 = bottom - (bottom - top) * value / top_value
        color = (colors[i] if colors else None) or "#2F6DB5"
        draw.rectangle([(x0, y0), (x0 + bar, bottom)], fill=color)
        draw.text(
            (x0 + bar / 2, y0 - 6),
            value_format.format(value),
            fill="#222222",
            font=value_font,
            anchor="mb",
        )
        text = label if len(label) <= 8 else label[:7] + "…"
        draw.text((x0 + bar / 2, bottom + 14), text, fill="#222222", font=label_font, anchor="mt")
    if marker is not None:
        y = bottom - (bottom - top) * marker / top_value
        for x in range(left, right, 24):
            draw.line([(x, y), (min(x + 12, right), y)], fill="#C0392B", width=3)
        draw.text((right, y - 8), marker_label, fill="#C0392B", font=value_font, anchor="rb")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
