"""The fake SMSC speaks SMPP 3.4 over TCP: binds, checks credentials, answers link checks, and refuses
what it does not know with generic_nack."""

from __future__ import annotations

import asyncio
import struct

from birtereze.notify import fake_smsc
from birtereze.notify.fake_smsc import FakeSmsc, cstring, decode_gsm, parse_concatenation, pdu


async def _exchange(port: int, *requests: bytes) -> list[tuple[int, int, int, bytes]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        for request in requests:
            writer.write(request)
            await writer.drain()
            length, command, status, sequence = struct.unpack(">IIII", await reader.readexactly(16))
            body = await reader.readexactly(length - 16)
            answers.append((command, status, sequence, body))
    finally:
        writer.close()
    return answers


def _bind(system_id: str, password: str, sequence: int = 1) -> bytes:
    body = cstring(system_id) + cstring(password) + cstring("") + bytes((0x34, 0, 0)) + cstring("")
    return pdu(fake_smsc.BIND_TRANSCEIVER, sequence, body)


async def test_it_answers_binds_link_checks_and_unknown_commands(smsc: FakeSmsc) -> None:
    answers = await _exchange(
        smsc.port,
        _bind("birtereze", "secret"),
        pdu(fake_smsc.ENQUIRE_LINK, 2),
        pdu(0x00000103, 3),  # data_sm: not implemented here
        pdu(fake_smsc.UNBIND, 4),
    )
    assert [(command, status, sequence) for command, status, sequence, _ in answers] == [
        (fake_smsc.BIND_TRANSCEIVER | fake_smsc.RESPONSE, 0, 1),
        (fake_smsc.ENQUIRE_LINK | fake_smsc.RESPONSE, 0, 2),
        (fake_smsc.GENERIC_NACK, fake_smsc.ESME_RINVCMDID, 3),
        (fake_smsc.UNBIND | fake_smsc.RESPONSE, 0, 4),
    ]
    assert answers[0][3] == b"FAKESMSC\0"


async def test_it_refuses_a_wrong_password_and_a_submit_before_binding(smsc: FakeSmsc) -> None:
    [refused] = await _exchange(smsc.port, _bind("birtereze", "wrong"))
    assert refused[1] == fake_smsc.ESME_RINVPASWD
    [unbound] = await _exchange(smsc.port, pdu(fake_smsc.SUBMIT_SM, 7, b"\0" * 20))
    assert unbound[:3] == (fake_smsc.SUBMIT_SM | fake_smsc.RESPONSE, fake_smsc.ESME_RINVBNDSTS, 7)


def test_it_decodes_gsm_and_reads_concatenation_headers() -> None:
    assert decode_gsm(b"Hello \x1b\x65 5") == "Hello € 5"
    assert parse_concatenation(b"\x05\x00\x03\x2a\x03\x02text") == ((0x2A, 3, 2), b"text")
    assert parse_concatenation(b"\x06\x08\x04\x01\x02\x02\x01text") == ((0x0102, 2, 1), b"text")
