"""The printed ticket: its texts in each language, the 80 mm PDF, the raster picture and the ESC/POS bytes
that a (fake) network printer receives."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from birtereze.queue import printing
from birtereze.queue.printing import Slip, escpos_raster, qr_png, send_to_printer, ticket_image, ticket_pdf
from tests.conftest import need

ISSUED = datetime(2026, 11, 27, 10, 42, tzinfo=ZoneInfo("Asia/Almaty"))


def slip(locale: str = "kk", wait_minutes: int = 12) -> Slip:
    return Slip(
        centre="ХҚО Алматы №1",
        number="Ә042",
        service="Жылжымайтын мүлік туралы анықтама",
        issued_at=ISSUED,
        people_ahead=3,
        estimated_minutes=wait_minutes,
        status_url="https://birtereze.example/t/abc123",
        locale=locale,
    )


def have_fonts() -> bool:
    return (printing.FONT_DIR / printing.REGULAR).exists() and (printing.FONT_DIR / printing.BOLD).exists()


def test_the_slip_says_the_number_service_time_and_wait_in_the_visitors_language() -> None:
    kk = [text for _, text in slip("kk").lines()]
    assert kk == [
        "ХҚО Алматы №1",
        "Талон",
        "Ә042",
        "Жылжымайтын мүлік туралы анықтама",
        "27.11.2026 10:42",
        "Сізден бұрын: 3 адам",
        "Күту уақыты: шамамен 12 мин",
        "Кезегіңізді бақылау үшін кодты сканерлеңіз",
    ]
    ru = [text for _, text in slip("ru").lines()]
    assert ru[5:8] == [
        "Перед вами: 3 чел.",
        "Ожидание: около 12 мин",
        "Отсканируйте код, чтобы следить за очередью",
    ]
    en = [text for _, text in slip("en", wait_minutes=0).lines()]
    assert en[1] == "Ticket" and en[6] == "You will be called shortly"


def test_the_pdf_is_80_mm_wide_with_the_font_and_the_qr_code() -> None:
    need("DejaVu fonts", have_fonts())
    pdf = ticket_pdf(slip())
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 226.77" in pdf  # 80 mm in points
    assert b"DejaVuSans" in pdf  # embedded: the Kazakh letters print
    assert b"/Subtype /Image" in pdf  # the QR code


def _find(image: Image.Image, part: Image.Image) -> tuple[int, int] | None:
    left = (image.width - part.width) // 2
    wanted = part.tobytes()
    for top in range(image.height - part.height + 1):
        if image.crop((left, top, left + part.width, top + part.height)).tobytes() == wanted:
            return left, top
    return None


def test_the_picture_is_a_printers_width_with_text_and_the_exact_qr_code() -> None:
    need("DejaVu fonts", have_fonts())
    image = ticket_image(slip())
    assert image.mode == "1" and image.width == printing.PRINTABLE_DOTS
    qr = Image.open(io.BytesIO(qr_png(slip().status_url, printing.QR_SCALE))).convert("1")
    found = _find(image, qr)
    assert found is not None, "the QR code is not in the picture"
    above = image.crop((0, 0, image.width, found[1]))
    assert above.histogram()[0] > 2000  # black dots: the texts above the code


async def test_a_network_printer_receives_the_raster_and_the_cut() -> None:
    need("DejaVu fonts", have_fonts())
    image = ticket_image(slip("ru"))
    data = escpos_raster(image)
    width_bytes = (image.width + 7) // 8
    assert data.startswith(b"\x1b@\x1dv0\x00")  # initialise, then a raster image
    assert data[6:8] == width_bytes.to_bytes(2, "little")
    assert data[8:10] == image.height.to_bytes(2, "little")
    raster = data[10 : 10 + width_bytes * image.height]
    assert sum(bin(byte).count("1") for byte in raster) == image.histogram()[0]  # one ink dot per black pixel
    assert data.endswith(b"\x1dVB\x00")  # feed and cut

    received = bytearray()
    done = asyncio.Event()

    async def printer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read())
        writer.close()
        done.set()

    server = await asyncio.start_server(printer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await send_to_printer("127.0.0.1", data, port=port)
        await asyncio.wait_for(done.wait(), 5)
    assert bytes(received) == data


async def test_an_absent_printer_is_an_error_not_a_hang() -> None:
    with pytest.raises(ConnectionRefusedError):
        await send_to_printer("127.0.0.1", b"\x1b@", port=1, timeout_s=2)


def test_without_the_fonts_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "FONT_DIR", printing.Path("/nonexistent"))
    with pytest.raises(printing.FontsMissing, match="fonts-dejavu-core"):
        ticket_pdf(slip())
    assert "fonts-dejavu-core" in printing.FontsMissing().detail("ru")
