"""Draw the phone app's icons (web app manifest): 192 and 512 px, plain and maskable, in the brand colours
of ``static/css/birtereze.css``. Run once; the PNGs are committed under ``web/static/icons``.

    .venv/bin/python scripts/make_icons.py

The mark is a service window (a rounded frame) with "1" in it, Kazakh "bir" (one) of Birtereze; drawn
with shapes and DejaVu Sans Bold (Debian's fonts-dejavu-core), so no image is borrowed. A maskable icon
keeps its mark inside the central 80 % circle that launchers may crop to.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = "#00465f"
GOLD = "#fec50c"
WHITE = "#ffffff"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
OUT = Path(__file__).resolve().parents[1] / "src" / "birtereze" / "web" / "static" / "icons"


def draw(size: int, *, maskable: bool) -> Image.Image:
    # Drawn 4× larger and scaled down, for smooth edges.
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=BRAND)
        scale = 0.62  # the mark inside the safe zone
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BRAND)
        scale = 0.78
    mark = big * scale
    left, top = (big - mark) / 2, (big - mark) / 2
    stroke = max(int(mark * 0.07), 2)
    pen.rounded_rectangle(
        (left, top, left + mark, top + mark), radius=int(mark * 0.14), outline=WHITE, width=stroke
    )
    # The counter of the window: a gold bar across its lower part.
    bar = mark * 0.14
    pen.rectangle((left, top + mark * 0.72, left + mark, top + mark * 0.72 + bar), fill=GOLD)
    font = ImageFont.truetype(str(FONT), int(mark * 0.58))
    pen.text((big / 2, top + mark * 0.40), "1", font=font, fill=WHITE, anchor="mm")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
