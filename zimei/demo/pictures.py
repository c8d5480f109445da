"""Pictures for demo articles, drawn with Pillow: gradients with abstract shapes, and simple
bar, line and ring charts. Deterministic for a given random.Random; returns JPEG bytes that go
through the same intake as an upload (zimei.articles.services.image_create)."""

from __future__ import annotations

import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

KINDS = ("shapes", "bars", "line", "rings", "waves")

# (dark, light, accent, accent) colour sets, picked per picture.
PALETTES: list[tuple[str, str, str, str]] = [
    ("#1d3557", "#a8dadc", "#e63946", "#f1faee"),
    ("#264653", "#e9c46a", "#e76f51", "#2a9d8f"),
    ("#3d405b", "#f2cc8f", "#e07a5f", "#81b29a"),
    ("#22223b", "#c9ada7", "#9a8c98", "#f2e9e4"),
    ("#003049", "#fcbf49", "#d62828", "#eae2b7"),
    ("#2b2d42", "#edf2f4", "#ef233c", "#8d99ae"),
    ("#283618", "#fefae0", "#dda15e", "#bc6c25"),
    ("#5f0f40", "#fb8b24", "#e36414", "#9a031e"),
    ("#0b132b", "#5bc0be", "#3a506b", "#ffffff"),
    ("#6b2737", "#f7c59f", "#2a324b", "#e1e5ee"),
]


def _gradient(size: tuple[int, int], dark: str, light: str, angle: float) -> Image.Image:
    ramp = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BILINEAR, expand=False)
    ramp = ramp.crop((32, 32, 224, 224)).resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(ramp, dark, light)


def _shapes(rng: random.Random, img: Image.Image, palette: tuple[str, ...]) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(rng.randint(5, 11)):
        colour = _rgba(rng.choice(palette[1:]), rng.randint(70, 180))
        x, y = rng.randint(-w // 6, w), rng.randint(-h // 6, h)
        r = rng.randint(h // 12, h // 2)
        shape = rng.random()
        if shape < 0.45:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        elif shape < 0.75:
            draw.rectangle((x, y, x + r * 1.6, y + r * 0.8), fill=colour)
        else:
            draw.polygon([(x, y), (x + r, y + r * 1.4), (x - r, y + r * 1.2)], fill=colour)


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16), alpha


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=22)
    except (OSError, TypeError):  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()


def _axes(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: str) -> None:
    left, top, right, bottom = box
    draw.line((left, bottom, right, bottom), fill=colour, width=3)
    draw.line((left, top, left, bottom), fill=colour, width=3)
    for k in range(1, 5):
        y = bottom - (bottom - top) * k / 4
        draw.line((left, y, right, y), fill=colour + "40", width=1)


def _bars(rng: random.Random, img: Image.Image, palette: tuple[str, ...]) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    box = (int(w * 0.1), int(h * 0.12), int(w * 0.92), int(h * 0.86))
    _axes(draw, box, palette[0])
    n = rng.randint(5, 9)
    values = [rng.uniform(0.15, 1.0) for _ in range(n)]
    step = (box[2] - box[0]) / n
    for i, v in enumerate(values):
        x0 = box[0] + step * i + step * 0.18
        x1 = box[0] + step * (i + 1) - step * 0.18
        y0 = box[3] - (box[3] - box[1]) * v
        draw.rectangle(
            (x0, y0, x1, box[3] - 2), fill=palette[2] if i == values.index(max(values)) else palette[0]
        )
        draw.text((x0, y0 - 28), f"{int(v * 100)}", fill=palette[0], font=_font())


def _line(rng: random.Random, img: Image.Image, palette: tuple[str, ...]) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    box = (int(w * 0.1), int(h * 0.12), int(w * 0.92), int(h * 0.86))
    _axes(draw, box, palette[0])
    for series, colour in enumerate((palette[2], palette[0])[: rng.randint(1, 2)]):
        n = rng.randint(8, 16)
        level = rng.uniform(0.2, 0.6)
        points = []
        for i in range(n):
            level = min(0.98, max(0.03, level + rng.uniform(-0.15, 0.18)))
            x = box[0] + (box[2] - box[0]) * i / (n - 1)
            y = box[3] - (box[3] - box[1]) * level
            points.append((x, y))
        draw.line(points, fill=colour, width=5 - series, joint="curve")
        for x, y in points:
            draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=colour)


def _rings(rng: random.Random, img: Image.Image, palette: tuple[str, ...]) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    cx, cy, r = w * rng.uniform(0.3, 0.7), h / 2, h * 0.38
    parts = [rng.uniform(0.5, 3) for _ in range(rng.randint(3, 6))]
    total = sum(parts)
    start = rng.uniform(0, 360)
    colours = [palette[0], palette[2], palette[3], palette[1]]
    for i, part in enumerate(parts):
        end = start + 360 * part / total
        draw.pieslice(
            (cx - r, cy - r, cx + r, cy + r), start, end, fill=colours[i % 4], outline="#ffffff", width=3
        )
        start = end
    hole = r * 0.55
    draw.ellipse((cx - hole, cy - hole, cx + hole, cy + hole), fill=palette[1])


def _waves(rng: random.Random, img: Image.Image, palette: tuple[str, ...]) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    for k in range(rng.randint(4, 8)):
        amp = rng.uniform(0.04, 0.14) * h
        freq = rng.uniform(1.0, 3.5) * 2 * math.pi / w
        phase = rng.uniform(0, 2 * math.pi)
        base = h * (0.25 + 0.1 * k)
        top = [(x, base + amp * math.sin(freq * x + phase)) for x in range(0, w + 16, 16)]
        draw.polygon([*top, (w, h), (0, h)], fill=_rgba(rng.choice(palette), rng.randint(60, 140)))


_DRAW = {"shapes": _shapes, "bars": _bars, "line": _line, "rings": _rings, "waves": _waves}


def draw_picture(rng: random.Random, kind: str | None = None, size: tuple[int, int] = (960, 540)) -> bytes:
    """A JPEG of `size`: a gradient background with shapes, waves or a chart on it."""
    kind = kind or rng.choice(KINDS)
    palette = rng.choice(PALETTES)
    if kind in ("bars", "line", "rings"):
        img = _gradient(size, palette[3], "#ffffff", rng.uniform(0, 360))
    else:
        img = _gradient(size, palette[0], palette[1], rng.uniform(0, 360))
    _DRAW[kind](rng, img, palette)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return out.getvalue()
