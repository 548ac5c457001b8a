"""The printed ticket: an 80 mm PDF, and the same slip as a raster image for ESC/POS printers over TCP.

Thermal printers' code pages have no Kazakh letters (ә, ғ, қ, ң, ө, ұ, ү, һ, і), so the slip is drawn as
a picture (DejaVu Sans, which has them all) and sent with the raster command ``GS v 0``; the PDF uses the
same font. Both show the centre, the number, the service, the time of issue, the people ahead, the
estimated wait and a QR code of the ticket's live status page.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from birtereze.core.errors import DomainError
from birtereze.core.i18n import _l

FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
REGULAR: Final = "DejaVuSans.ttf"
BOLD: Final = "DejaVuSans-Bold.ttf"
PAPER_MM: Final = 80
PRINTABLE_DOTS: Final = 576  # 72 mm at 203 dpi: the printable width of an 80 mm roll
PRINTER_PORT: Final = 9100

TICKET = _l("Ticket")
AHEAD = _l("People ahead of you: {count}")
WAIT = _l("Estimated wait: about {minutes} min")
CALLED_SOON = _l("You will be called shortly")
SCAN = _l("Scan the code to follow your turn")


class FontsMissing(DomainError):
    """DejaVu Sans is not installed (Debian's fonts-dejavu-core)."""

    status = 503
    code = "fonts_missing"
    message = _l("Tickets cannot be printed here: the server lacks its fonts (Debian's fonts-dejavu-core).")


@dataclass(frozen=True, slots=True)
class Slip:
    """What a printed ticket says; ``issued_at`` in the centre's time zone, texts in ``locale``."""

    centre: str
    number: str
    service: str
    issued_at: datetime
    people_ahead: int
    estimated_minutes: int  # 0: called at once
    status_url: str
    locale: str

    def lines(self) -> list[tuple[str, str]]:
        """(style, text) from top to bottom, the QR code between the last two; style: small, label,
        number, text."""
        minutes = self.estimated_minutes
        wait = WAIT.render(self.locale, minutes=minutes) if minutes > 0 else None
        return [
            ("small", self.centre),
            ("label", TICKET.render(self.locale)),
            ("number", self.number),
            ("text", self.service),
            ("small", self.issued_at.strftime("%d.%m.%Y %H:%M")),
            ("text", AHEAD.render(self.locale, count=self.people_ahead)),
            ("text", wait or CALLED_SOON.render(self.locale)),
            ("small", SCAN.render(self.locale)),
        ]


def _font(name: str) -> Path:
    path = FONT_DIR / name
    if not path.exists():
        raise FontsMissing()
    return path


def qr_png(url: str, scale: int) -> bytes:
    """The QR code of ``url`` as a PNG, ``scale`` pixels per module, with a quiet zone of two."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------------------

_PDF_SIZES: Final = {"small": 8.0, "label": 11.0, "number": 34.0, "text": 11.0}


def ticket_pdf(slip: Slip) -> bytes:
    """The slip as a one-page PDF 80 mm wide."""
    pdf = FPDF(unit="mm", format=(PAPER_MM, 150))
    pdf.set_margins(5, 5, 5)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(_font(REGULAR)))
    pdf.add_font("DejaVu", "B", str(_font(BOLD)))
    pdf.add_page()
    width = PAPER_MM - 10
    lines = slip.lines()
    for style, text in lines[:-1]:
        pdf.set_font("DejaVu", "B" if style in ("number", "label") else "", _PDF_SIZES[style])
        pdf.multi_cell(width, _PDF_SIZES[style] * 0.45, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    side = 36
    pdf.image(
        io.BytesIO(qr_png(slip.status_url, 10)), x=(PAPER_MM - side) / 2, y=pdf.get_y() + 1, w=side, h=side
    )
    pdf.set_y(pdf.get_y() + side + 3)
    style, text = lines[-1]
    pdf.set_font("DejaVu", "", _PDF_SIZES[style])
    pdf.multi_cell(width, _PDF_SIZES[style] * 0.45, text, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- raster and ESC/POS ----------------------------------------------------------------------------------

_DOT_SIZES: Final = {"small": 22, "label": 30, "number": 110, "text": 30}
QR_SCALE: Final = 8  # dots per module


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def ticket_image(slip: Slip, width: int = PRINTABLE_DOTS) -> Image.Image:
    """The slip as a black-and-white picture ``width`` dots wide (the QR code centred below the texts)."""
    fonts = {
        style: ImageFont.truetype(str(_font(BOLD if style in ("number", "label") else REGULAR)), size)
        for style, size in _DOT_SIZES.items()
    }
    qr = Image.open(io.BytesIO(qr_png(slip.status_url, QR_SCALE))).convert("1")
    canvas = Image.new("1", (width, 2000), 1)
    draw = ImageDraw.Draw(canvas)
    y = 10
    lines = slip.lines()

    def write(style: str, text: str) -> None:
        nonlocal y
        font = fonts[style]
        for line in _wrapped(draw, text, font, width - 16):
            left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
            draw.text(((width - (right - left)) / 2 - left, y - top), line, font=font, fill=0)
            y += round(bottom - top) + _DOT_SIZES[style] // 3

    for style, text in lines[:-1]:
        write(style, text)
    y += 8
    canvas.paste(qr, ((width - qr.width) // 2, y))
    y += qr.height + 8
    write(*lines[-1])
    return canvas.crop((0, 0, width, y + 10))


def escpos_raster(image: Image.Image) -> bytes:
    """ESC/POS bytes printing ``image`` (1 bit, black = ink), then feeding and cutting the paper."""
    bitmap = image.convert("1")
    width_bytes = (bitmap.width + 7) // 8
    padded = Image.new("1", (width_bytes * 8, bitmap.height), 1)
    padded.paste(bitmap, (0, 0))
    # PIL's 1-bit rows are packed most significant bit first with 1 = white; ESC/POS wants 1 = ink.
    data = bytes(byte ^ 0xFF for byte in padded.tobytes())
    header = b"\x1dv0\x00" + width_bytes.to_bytes(2, "little") + bitmap.height.to_bytes(2, "little")
    return b"\x1b@" + header + data + b"\n\n\n\n" + b"\x1dVB\x00"


async def send_to_printer(
    host: str, data: bytes, *, port: int = PRINTER_PORT, timeout_s: float = 5.0
) -> None:
    """Send raw bytes to a network printer (JetDirect, TCP 9100); OSError or TimeoutError if it fails."""
    async with asyncio.timeout(timeout_s):
        _, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(data)
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()
