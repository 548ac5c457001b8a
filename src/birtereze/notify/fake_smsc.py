"""A local SMSC for tests and the demo: a real TCP server speaking SMPP 3.4's binary protocol.

It answers ``bind_transmitter``, ``bind_receiver`` and ``bind_transceiver`` (optionally checking the
system id and password), ``submit_sm`` (decoding GSM 7-bit, Latin-1 and UCS-2 texts and reassembling
concatenated messages by the reference in their user data header), ``enquire_link`` and ``unbind``, and a
``generic_nack`` to any command it does not know. For each submitted part that asks for one, it sends a
delivery receipt (``deliver_sm`` with the receipt ``esm_class``, the classic ``id:… stat:DELIVRD`` text
and the ``receipted_message_id`` and ``message_state`` TLVs) to a receiver or transceiver bound with the
same system id, keeping the receipts for a later bind when none is, as real SMSCs do.

    async with fake_smsc.running(port=0) as smsc:
        ... smsc.port ... smsc.messages

What it received is kept in ``messages`` (whole texts) and ``parts`` (each ``submit_sm``).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import structlog

log = structlog.get_logger(__name__)

HEADER: Final = struct.Struct(">IIII")
MAX_PDU: Final = 64 * 1024

BIND_RECEIVER: Final = 0x00000001
BIND_TRANSMITTER: Final = 0x00000002
SUBMIT_SM: Final = 0x00000004
DELIVER_SM: Final = 0x00000005
UNBIND: Final = 0x00000006
BIND_TRANSCEIVER: Final = 0x00000009
ENQUIRE_LINK: Final = 0x00000015
GENERIC_NACK: Final = 0x80000000
RESPONSE: Final = 0x80000000
BINDS: Final = {BIND_RECEIVER: "receiver", BIND_TRANSMITTER: "transmitter", BIND_TRANSCEIVER: "transceiver"}

ESME_ROK: Final = 0x00
ESME_RINVMSGLEN: Final = 0x01
ESME_RINVCMDLEN: Final = 0x02
ESME_RINVCMDID: Final = 0x03
ESME_RINVBNDSTS: Final = 0x04
ESME_RALYBND: Final = 0x05
ESME_RSYSERR: Final = 0x08
ESME_RINVDSTADR: Final = 0x0B
ESME_RINVPASWD: Final = 0x0E
ESME_RINVSYSID: Final = 0x0F

ESM_UDHI: Final = 0x40
ESM_DELIVERY_RECEIPT: Final = 0x04
TLV_RECEIPTED_MESSAGE_ID: Final = 0x001E
TLV_MESSAGE_STATE: Final = 0x0427
TLV_MESSAGE_PAYLOAD: Final = 0x0424
MESSAGE_STATES: Final = {"DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "REJECTD": 8}

# GSM 03.38 default alphabet and its extension table (after the escape 0x1B), one septet per octet as
# SMPP carries it unpacked.
GSM_BASIC: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION: Final = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
                        0x3E: "]", 0x40: "|", 0x65: "€"}  # fmt: skip


def decode_gsm(data: bytes) -> str:
    characters = []
    escaped = False
    for septet in data:
        if escaped:
            characters.append(GSM_EXTENSION.get(septet, " "))
            escaped = False
        elif septet == 0x1B:
            escaped = True
        else:
            characters.append(GSM_BASIC[septet & 0x7F])
    return "".join(characters)


def decode_text(data: bytes, data_coding: int) -> str:
    if data_coding == 0x08:
        return data.decode("utf-16-be", errors="replace")
    if data_coding == 0x03:
        return data.decode("latin-1")
    if data_coding == 0x01:
        return data.decode("ascii", errors="replace")
    return decode_gsm(data)


@dataclass(frozen=True, slots=True)
class SubmittedPart:
    """One ``submit_sm`` as it arrived."""

    message_id: str
    system_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes
    # (reference, total, number) of a concatenated message's part, from its user data header.
    concatenation: tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A whole text, its parts reassembled."""

    system_id: str
    source: str
    destination: str
    text: str
    data_coding: int
    message_ids: tuple[str, ...]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class _Receipt:
    system_id: str
    message_id: str
    source: str  # the handset that got (or did not get) the message
    destination: str  # the sender of the message
    state: str
    submitted_at: datetime


class _Reader:
    """Fields of a PDU body, in order."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.position = 0

    def cstring(self) -> str:
        end = self.body.index(b"\0", self.position)
        value = self.body[self.position : end].decode("latin-1")
        self.position = end + 1
        return value

    def byte(self) -> int:
        value = self.body[self.position]
        self.position += 1
        return value

    def octets(self, length: int) -> bytes:
        value = self.body[self.position : self.position + length]
        if len(value) != length:
            raise ValueError("the PDU is shorter than its fields")
        self.position += length
        return value

    def tlvs(self) -> dict[int, bytes]:
        found = {}
        while self.position + 4 <= len(self.body):
            tag, length = struct.unpack_from(">HH", self.body, self.position)
            self.position += 4
            found[tag] = self.octets(length)
        return found


def cstring(value: str) -> bytes:
    return value.encode("latin-1", errors="replace") + b"\0"


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = ESME_ROK) -> bytes:
    return HEADER.pack(HEADER.size + len(body), command_id, status, sequence) + body


def parse_concatenation(short_message: bytes) -> tuple[tuple[int, int, int] | None, bytes]:
    """(reference, total, number) from a user data header (IE 0x00 or 0x08), and the text after it."""
    header_length = short_message[0]
    header, text = short_message[1 : 1 + header_length], short_message[1 + header_length :]
    position = 0
    concatenation = None
    while position + 2 <= len(header):
        element, length = header[position], header[position + 1]
        value = header[position + 2 : position + 2 + length]
        if element == 0x00 and length == 3:
            concatenation = (value[0], value[1], value[2])
        elif element == 0x08 and length == 4:
            concatenation = (int.from_bytes(value[:2], "big"), value[2], value[3])
        position += 2 + length
    return concatenation, text


class FakeSmsc:
    def __init__(
        self,
        *,
        system_id: str | None = None,
        password: str | None = None,
        receipt_delay_s: float = 0.0,
    ) -> None:
        self.system_id = system_id
        self.password = password
        self.receipt_delay_s = receipt_delay_s
        self.port = 0
        self.parts: list[SubmittedPart] = []
        self.messages: list[ReceivedMessage] = []
        # Destinations (digits as submitted) whose messages are receipted UNDELIV instead of DELIVRD.
        self.undeliverable: set[str] = set()
        # Answer every submit_sm with this status (e.g. 0x58 throttled); ESME_ROK accepts them.
        self.submit_status = ESME_ROK
        self.binds: list[tuple[str, str]] = []  # (system id, kind) of every bind accepted
        self._pending: dict[str, list[_Receipt]] = {}
        self._receivers: dict[str, list[_Session]] = {}
        self._partial: dict[tuple[str, str, str, int, int], dict[int, SubmittedPart]] = {}
        self._next_id = 0
        self._server: asyncio.Server | None = None
        self._sessions: set[_Session] = set()
        self._changed = asyncio.Condition()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._accept, host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self._sessions):
            session.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int, *, within_s: float = 5.0) -> list[ReceivedMessage]:
        """The messages, once at least ``count`` whole ones have arrived."""
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(self.messages) >= count)
        return self.messages

    def pending_receipts(self, system_id: str) -> int:
        return len(self._pending.get(system_id, []))

    def _message_id(self) -> str:
        self._next_id += 1
        return f"{self._next_id:08X}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, reader, writer)
        self._sessions.add(session)
        try:
            await session.serve()
        finally:
            self._sessions.discard(session)
            self._unregister(session)

    def _register(self, session: _Session) -> None:
        self._receivers.setdefault(session.system_id, []).append(session)
        for receipt in self._pending.pop(session.system_id, []):
            session.send_receipt(receipt)

    def _unregister(self, session: _Session) -> None:
        receivers = self._receivers.get(session.system_id, [])
        if session in receivers:
            receivers.remove(session)
        # Receipts sent but not acknowledged wait for the next bind.
        for receipt in session.unacknowledged.values():
            self._pending.setdefault(receipt.system_id, []).append(receipt)
        session.unacknowledged.clear()

    def _deliver_receipt(self, receipt: _Receipt) -> None:
        receivers = self._receivers.get(receipt.system_id)
        if receivers:
            receivers[0].send_receipt(receipt)
        else:
            self._pending.setdefault(receipt.system_id, []).append(receipt)

    async def _received(self, part: SubmittedPart, text: bytes) -> None:
        self.parts.append(part)
        now = datetime.now(UTC)
        if part.concatenation is None:
            whole = ReceivedMessage(
                part.system_id,
                part.source,
                part.destination,
                decode_text(text, part.data_coding),
                part.data_coding,
                (part.message_id,),
                now,
            )
            await self._complete(whole)
            return
        reference, total, number = part.concatenation
        key = (part.system_id, part.source, part.destination, reference, total)
        collected = self._partial.setdefault(key, {})
        collected[number] = part
        if len(collected) < total or set(collected) != set(range(1, total + 1)):
            return
        del self._partial[key]
        ordered = [collected[n] for n in range(1, total + 1)]
        payload = b"".join(parse_concatenation(p.short_message)[1] for p in ordered)
        whole = ReceivedMessage(
            part.system_id,
            part.source,
            part.destination,
            decode_text(payload, part.data_coding),
            part.data_coding,
            tuple(p.message_id for p in ordered),
            now,
        )
        await self._complete(whole)

    async def _complete(self, message: ReceivedMessage) -> None:
        async with self._changed:
            self.messages.append(message)
            self._changed.notify_all()


class _Session:
    """One ESME's TCP connection."""

    def __init__(self, smsc: FakeSmsc, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.smsc = smsc
        self.reader = reader
        self.writer = writer
        self.system_id = ""
        self.bound: str | None = None
        self.sequence = 0
        self.unacknowledged: dict[int, _Receipt] = {}

    def close(self) -> None:
        self.writer.close()

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    async def serve(self) -> None:
        try:
            while True:
                header = await self.reader.readexactly(HEADER.size)
                length, command_id, status, sequence = HEADER.unpack(header)
                if length < HEADER.size or length > MAX_PDU:
                    self.send(pdu(GENERIC_NACK, sequence, status=ESME_RINVCMDLEN))
                    break
                body = await self.reader.readexactly(length - HEADER.size)
                if not await self._handle(command_id, status, sequence, body):
                    break
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                self.writer.close()
                await self.writer.wait_closed()

    async def _handle(self, command_id: int, status: int, sequence: int, body: bytes) -> bool:
        """Answer one PDU; False when the session ends."""
        if command_id in BINDS:
            self._bind(command_id, sequence, body)
        elif command_id == SUBMIT_SM:
            await self._submit(sequence, body)
        elif command_id == ENQUIRE_LINK:
            self.send(pdu(ENQUIRE_LINK | RESPONSE, sequence))
        elif command_id == UNBIND:
            self.send(pdu(UNBIND | RESPONSE, sequence))
            return False
        elif command_id == DELIVER_SM | RESPONSE:
            self.unacknowledged.pop(sequence, None)
        elif command_id in (ENQUIRE_LINK | RESPONSE, GENERIC_NACK):
            pass
        else:
            self.send(pdu(GENERIC_NACK, sequence, status=ESME_RINVCMDID))
        return True

    def _bind(self, command_id: int, sequence: int, body: bytes) -> None:
        response = command_id | RESPONSE
        if self.bound is not None:
            self.send(pdu(response, sequence, cstring("FAKESMSC"), status=ESME_RALYBND))
            return
        try:
            fields = _Reader(body)
            system_id, password = fields.cstring(), fields.cstring()
        except ValueError:
            self.send(pdu(response, sequence, status=ESME_RINVCMDLEN))
            return
        if self.smsc.system_id is not None and system_id != self.smsc.system_id:
            self.send(pdu(response, sequence, status=ESME_RINVSYSID))
            return
        if self.smsc.password is not None and password != self.smsc.password:
            self.send(pdu(response, sequence, status=ESME_RINVPASWD))
            return
        self.system_id, self.bound = system_id, BINDS[command_id]
        self.smsc.binds.append((system_id, self.bound))
        self.send(pdu(response, sequence, cstring("FAKESMSC")))
        if self.bound in ("receiver", "transceiver"):
            self.smsc._register(self)

    async def _submit(self, sequence: int, body: bytes) -> None:
        response = SUBMIT_SM | RESPONSE
        if self.bound not in ("transmitter", "transceiver"):
            self.send(pdu(response, sequence, status=ESME_RINVBNDSTS))
            return
        try:
            fields = _Reader(body)
            fields.cstring()  # service_type
            fields.byte(), fields.byte()  # source TON, NPI
            source = fields.cstring()
            fields.byte(), fields.byte()  # destination TON, NPI
            destination = fields.cstring()
            esm_class = fields.byte()
            fields.byte(), fields.byte()  # protocol_id, priority_flag
            fields.cstring(), fields.cstring()  # schedule_delivery_time, validity_period
            registered_delivery = fields.byte()
            fields.byte()  # replace_if_present_flag
            data_coding = fields.byte()
            fields.byte()  # sm_default_msg_id
            short_message = fields.octets(fields.byte())
            options = fields.tlvs()
        except (ValueError, IndexError):
            self.send(pdu(response, sequence, status=ESME_RINVMSGLEN))
            return
        if not short_message and TLV_MESSAGE_PAYLOAD in options:
            short_message = options[TLV_MESSAGE_PAYLOAD]
        if not destination:
            self.send(pdu(response, sequence, status=ESME_RINVDSTADR))
            return
        if self.smsc.submit_status != ESME_ROK:
            self.send(pdu(response, sequence, status=self.smsc.submit_status))
            return
        concatenation, text = None, short_message
        if esm_class & ESM_UDHI and short_message:
            concatenation, text = parse_concatenation(short_message)
        message_id = self.smsc._message_id()
        part = SubmittedPart(
            message_id,
            self.system_id,
            source,
            destination,
            data_coding,
            esm_class,
            registered_delivery,
            short_message,
            concatenation,
        )
        self.send(pdu(response, sequence, cstring(message_id)))
        await self.smsc._received(part, text)
        if registered_delivery & 0x03:
            state = "UNDELIV" if destination in self.smsc.undeliverable else "DELIVRD"
            if state == "DELIVRD" and registered_delivery & 0x03 == 0x02:
                return  # receipts asked for failures only
            receipt = _Receipt(self.system_id, message_id, destination, source, state, datetime.now(UTC))
            loop = asyncio.get_running_loop()
            loop.call_later(self.smsc.receipt_delay_s, self.smsc._deliver_receipt, receipt)

    def send_receipt(self, receipt: _Receipt) -> None:
        self.sequence += 1
        stamp = receipt.submitted_at.strftime("%y%m%d%H%M")
        delivered = "001" if receipt.state == "DELIVRD" else "000"
        error = "000" if receipt.state == "DELIVRD" else "001"
        text = (
            f"id:{receipt.message_id} sub:001 dlvrd:{delivered} submit date:{stamp} done date:{stamp} "
            f"stat:{receipt.state} err:{error} text:"
        ).encode("ascii")
        body = b"".join(
            (
                cstring(""),  # service_type
                bytes((1, 1)),
                cstring(receipt.source),
                bytes((5, 0)),
                cstring(receipt.destination),
                bytes((ESM_DELIVERY_RECEIPT, 0, 0)),
                cstring(""),
                cstring(""),
                bytes((0, 0, 0, 0)),  # registered_delivery, replace, data_coding, default_msg_id
                bytes((len(text),)),
                text,
                struct.pack(">HH", TLV_RECEIPTED_MESSAGE_ID, len(receipt.message_id) + 1),
                cstring(receipt.message_id),
                struct.pack(">HHB", TLV_MESSAGE_STATE, 1, MESSAGE_STATES[receipt.state]),
            )
        )
        self.unacknowledged[self.sequence] = receipt
        self.send(pdu(DELIVER_SM, self.sequence, body))


@contextlib.asynccontextmanager
async def running(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    system_id: str | None = None,
    password: str | None = None,
    receipt_delay_s: float = 0.0,
) -> AsyncIterator[FakeSmsc]:
    """A fake SMSC listening on ``host:port`` (0: any free port, see ``.port``) while the block runs."""
    smsc = FakeSmsc(system_id=system_id, password=password, receipt_delay_s=receipt_delay_s)
    await smsc.start(host, port)
    log.info("fake_smsc.started", port=smsc.port)
    try:
        yield smsc
    finally:
        await smsc.stop()
