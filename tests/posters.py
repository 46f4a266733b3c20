"""Test posters drawn with Pillow, as a connector's phone would photograph them."""
from __future__ import annotations

import io
import subprocess
from functools import cache

from PIL import Image, ImageDraw, ImageFont

ENGLISH_LINES = ("Coffee Morning", "Tuesday 10am-12pm", "All welcome, free tea and cake", "Call 0116 496 0123")
# "Everyone is welcome" in Gujarati.
GUJARATI_LINE = "સૌનું સ્વાગત છે"


@cache
def font_file(family: str) -> str | None:
    """Return the regular font file of an installed family (fontconfig's list), or None if it is missing."""
    try:
        listed = subprocess.run(["fc-list", f":family={family}:style=Regular", "file"], capture_output=True,
                                text=True, check=False).stdout
    except FileNotFoundError:
        return None
    files = sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    return files[0] if files else None


def poster(gujarati: bool = True, size=(1200, 900)) -> Image.Image:
    """Draw a poster in black on white: English lines, and a Gujarati line when that font is installed."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    english = font_file("Noto Sans")
    big = ImageFont.truetype(english, 64) if english else ImageFont.load_default(64)
    small = ImageFont.truetype(english, 48) if english else ImageFont.load_default(48)
    y = 60
    for number, line in enumerate(ENGLISH_LINES):
        draw.text((60, y), line, font=big if number == 0 else small, fill="black")
        y += 130
        if number == 2 and gujarati:
            draw.text((60, y), GUJARATI_LINE, font=ImageFont.truetype(font_file("Noto Sans Gujarati"), 56),
                      fill="black")
            y += 130
    return image


def encoded(image: Image.Image, kind: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()
