"""SMS over SMPP 3.4 (smpplib): one transceiver bind per batch, texts in GSM 7-bit or UCS-2, long texts
in concatenated parts, and the delivery receipts the SMSC sends back.

smpplib is blocking, so a whole exchange (connect, bind, submit, read receipts, unbind) runs in a worker
thread and the event loop stays free. Receipts that come after the exchange ends are kept by the SMSC for
the next bind, which the sender makes while messages still wait for theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from dataclasses import dataclass
from typing import Any, Final

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp
import structlog

from birtereze.core.settings import Settings
from birtereze.notify.transports import BatchResult, Outcomes, Outgoing, Receipt, TransportError

log = structlog.get_logger(__name__)

TON_INTERNATIONAL: Final = 0x01
TON_ALPHANUMERIC: Final = 0x05
NPI_ISDN: Final = 0x01
NPI_UNKNOWN: Final = 0x00
ESM_RECEIPT_MASK: Final = 0x3C
ESM_DELIVERY_RECEIPT: Final = 0x04
# message_state (SMPP 3.4, 5.2.28) of the final states, as the receipt's "stat:" words.
MESSAGE_STATES: Final = {2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 8: "REJECTD"}
FINAL_STATES: Final = frozenset(MESSAGE_STATES.values())
# Refusals of one message that another try cannot mend: its address or its form is wrong.
PERMANENT_STATUSES: Final = frozenset(
    {
        smpplib.consts.SMPP_ESME_RINVMSGLEN,
        smpplib.consts.SMPP_ESME_RINVDSTADR,
        smpplib.consts.SMPP_ESME_RINVDSTTON,
        smpplib.consts.SMPP_ESME_RINVDSTNPI,
        smpplib.consts.SMPP_ESME_RINVESMCLASS,
    }
)
RECEIPT_FIELD = re.compile(r"\b(id|stat|err):(\S*)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str
    system_type: str
    source_addr: str
    timeout_s: float
    receipt_wait_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmppConfig | None:
        if not settings.smpp_host:
            return None
        return cls(
            host=settings.smpp_host,
            port=settings.smpp_port,
            system_id=settings.smpp_system_id,
            password=settings.smpp_password.get_secret_value(),
            system_type=settings.smpp_system_type,
            source_addr=settings.smpp_source_addr,
            timeout_s=settings.smpp_timeout_s,
            receipt_wait_s=settings.smpp_receipt_wait_s,
        )


def parse_receipt(text: str, *, receipted_id: str | None = None, state: int | None = None) -> Receipt | None:
    """A final delivery report from a receipt's text (``id:… stat:DELIVRD err:000``) and its TLVs (which
    win when present); None for an intermediate one (ENROUTE, ACCEPTD) or one without an id."""
    fields = {name.lower(): value for name, value in RECEIPT_FIELD.findall(text)}
    provider_id = receipted_id or fields.get("id", "")
    word = MESSAGE_STATES.get(state, "") if state is not None else ""
    word = word or fields.get("stat", "").upper()
    if not provider_id or word not in FINAL_STATES:
        return None
    error = "" if word == "DELIVRD" else f"{word} err:{fields.get('err', '')}"
    return Receipt(provider_id=provider_id, delivered=word == "DELIVRD", state=word, error=error)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value or "")


def _receipt_of(pdu: Any) -> Receipt | None:
    if (pdu.esm_class or 0) & ESM_RECEIPT_MASK != ESM_DELIVERY_RECEIPT:
        return None
    receipted = _text(getattr(pdu, "receipted_message_id", None)) or None
    state = getattr(pdu, "message_state", None)
    return parse_receipt(_text(pdu.short_message), receipted_id=receipted, state=state)


def _status_text(status: int) -> str:
    return f"0x{status:08X} {smpplib.consts.DESCRIPTIONS.get(status, 'unknown status')}"


class _Exchange:
    """One blocking conversation with the SMSC; runs in a worker thread."""

    def __init__(self, config: SmppConfig) -> None:
        self.config = config
        self.receipts: list[Receipt] = []
        self.client = smpplib.client.Client(
            config.host,
            config.port,
            timeout=config.timeout_s,
            allow_unknown_opt_params=True,
            logger_name="birtereze.notify.smpplib",
        )

    def run(self, messages: list[Outgoing], awaiting: set[str]) -> BatchResult:
        outcomes: Outcomes = {}
        try:
            self.client.connect()
            self._request("bind_transceiver", system_id=self.config.system_id,
                          password=self.config.password, system_type=self.config.system_type)  # fmt: skip
        except TransportError as error:
            self.client.disconnect()
            return BatchResult({m.notification_id: error for m in messages}, [])
        except (smpplib.exceptions.ConnectionError, OSError):
            self.client.disconnect()
            unreachable = TransportError(f"the SMSC {self.config.host}:{self.config.port} cannot be reached")
            return BatchResult({m.notification_id: unreachable for m in messages}, [])
        try:
            for message in messages:
                try:
                    ids = self._submit(message)
                except TransportError as refused:
                    outcomes[message.notification_id] = refused
                else:
                    outcomes[message.notification_id] = ids
                    awaiting.update(ids)
            self._wait_for_receipts(awaiting)
            self._request("unbind")
        except (smpplib.exceptions.ConnectionError, OSError, TransportError) as lost:
            reason = f"the connection to the SMSC was lost ({type(lost).__name__})"
            for message in messages:
                outcomes.setdefault(message.notification_id, TransportError(reason))
        finally:
            self.client.disconnect()
        return BatchResult(outcomes, self.receipts)

    def _submit(self, message: Outgoing) -> list[str]:
        # GSM 7-bit when every character has a septet (Latin texts), otherwise UCS-2 (Kazakh, Russian);
        # over one SMS, parts with a concatenation header (UDHI).
        parts, data_coding, esm_class = smpplib.gsm.make_parts(message.text)
        source = self.config.source_addr
        numeric = source.lstrip("+").isdigit()
        ids = []
        for part in parts:
            response = self._request(
                "submit_sm",
                source_addr_ton=TON_INTERNATIONAL if numeric else TON_ALPHANUMERIC,
                source_addr_npi=NPI_ISDN if numeric else NPI_UNKNOWN,
                source_addr=source.lstrip("+"),
                dest_addr_ton=TON_INTERNATIONAL,
                dest_addr_npi=NPI_ISDN,
                destination_addr=message.recipient.lstrip("+"),
                short_message=part,
                data_coding=data_coding,
                esm_class=esm_class,
                registered_delivery=smpplib.consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH,
            )
            ids.append(_text(response.message_id))
        return ids

    def _request(self, command: str, **fields: Any) -> Any:
        request = smpplib.smpp.make_pdu(command, client=self.client, **fields)
        self.client.send_pdu(request)
        while True:
            try:
                response = self.client.read_pdu()
            except TimeoutError as timeout:
                raise TransportError(f"the SMSC did not answer {command} in time") from timeout
            if self._handled(response):
                continue
            if response.sequence != request.sequence:
                continue
            if response.is_error():
                status = int(response.status)
                raise TransportError(
                    f"the SMSC refused {command}: {_status_text(status)}",
                    permanent=command == "submit_sm" and status in PERMANENT_STATUSES,
                )
            return response

    def _handled(self, pdu: Any) -> bool:
        """Answer what the SMSC sends by itself (receipts, link checks); True when ``pdu`` was one."""
        if pdu.command == "deliver_sm":
            receipt = _receipt_of(pdu)
            if receipt is not None:
                self.receipts.append(receipt)
            answer = smpplib.smpp.make_pdu("deliver_sm_resp", client=self.client)
            answer.sequence = pdu.sequence
            self.client.send_pdu(answer)
            return True
        if pdu.command == "enquire_link":
            answer = smpplib.smpp.make_pdu("enquire_link_resp", client=self.client)
            answer.sequence = pdu.sequence
            self.client.send_pdu(answer)
            return True
        return bool(pdu.command == "enquire_link_resp")

    def _wait_for_receipts(self, awaiting: set[str]) -> None:
        """Read receipts for a short while, until every message of ``awaiting`` has its own."""
        deadline = time.monotonic() + self.config.receipt_wait_s
        sock: socket.socket | None = self.client._socket
        try:
            while sock is not None and awaiting - {r.provider_id for r in self.receipts}:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sock.settimeout(left)
                try:
                    pdu = self.client.read_pdu()
                except TimeoutError:
                    break
                self._handled(pdu)
        finally:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.settimeout(self.config.timeout_s)


class SmppTransport:
    channel: Final = "sms"

    def __init__(self, config: SmppConfig) -> None:
        self.config = config

    async def exchange(self, messages: list[Outgoing], *, awaiting: set[str]) -> BatchResult:
        """Submit ``messages`` and read delivery receipts (until those of ``awaiting`` and of the new
        messages are in, or ``receipt_wait_s`` has passed)."""
        result = await asyncio.to_thread(_Exchange(self.config).run, messages, set(awaiting))
        log.info(
            "notify.smpp_exchange",
            submitted=sum(1 for o in result.outcomes.values() if isinstance(o, list)),
            refused=sum(1 for o in result.outcomes.values() if isinstance(o, TransportError)),
            receipts=len(result.receipts),
        )
        return result
