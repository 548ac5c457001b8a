"""Voice announcements: what is said in Kazakh and Russian, and the WAV espeak-ng makes of it, offline."""

from __future__ import annotations

import array
import io
import math
import wave
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi import FastAPI

from birtereze.cli import main
from birtereze.queue import announce
from birtereze.queue.announce import Announcer, Phrase, kazakh_ordinal, parse_ticket, phrases
from tests.builders import World
from tests.conftest import need


@pytest.mark.parametrize(
    ("number", "ordinal"),
    [
        (1, "бірінші"),
        (2, "екінші"),
        (3, "үшінші"),
        (4, "төртінші"),
        (5, "бесінші"),
        (6, "алтыншы"),
        (7, "жетінші"),
        (8, "сегізінші"),
        (9, "тоғызыншы"),
        (10, "оныншы"),
        (11, "он бірінші"),
        (20, "жиырмасыншы"),
        (30, "отызыншы"),
        (40, "қырқыншы"),
        (42, "қырық екінші"),
        (100, "жүзінші"),
    ],
)
def test_kazakh_ordinals_follow_the_vowel_harmony(number: int, ordinal: str) -> None:
    assert kazakh_ordinal(number) == ordinal


def test_a_ticket_is_its_prefix_as_cyrillic_letters_and_its_number() -> None:
    assert parse_ticket("A042") == ("А", 42)  # a Latin A reads as the Cyrillic one
    assert parse_ticket("Б7") == ("Б", 7)
    assert parse_ticket("p-101") == ("П", 101)  # said "пэ"
    assert parse_ticket("042") == ("", 42)
    for wrong in ("", "A", "A12345", "A0 42", "??"):
        with pytest.raises(ValueError, match="not a ticket number"):
            parse_ticket(wrong)


def test_what_is_said_in_each_language() -> None:
    letter = Phrase('<speak><say-as interpret-as="characters">А</say-as></speak>', ssml=True)
    assert phrases("kk", "A042", 3) == [Phrase("Талон"), letter, Phrase("қырық екі"), Phrase("үшінші терезе")]
    assert phrases("ru", "A042", 3) == [Phrase("Талон"), letter, Phrase("сорок два"), Phrase("окно три")]
    with pytest.raises(ValueError, match="spoken in kk, ru"):
        phrases("en", "A042", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="window"):
        phrases("kk", "A042", 0)


def _read(data: bytes) -> tuple[float, float, int]:
    """Seconds, RMS of the speech after the chime, and the sample rate."""
    with wave.open(io.BytesIO(data)) as file:
        assert (file.getnchannels(), file.getsampwidth()) == (1, 2)
        samples = array.array("h", file.readframes(file.getnframes()))
        rate = file.getframerate()
    speech = samples[int(rate * 1.1) :]
    rms = math.sqrt(sum(value * value for value in speech) / max(len(speech), 1))
    return len(samples) / rate, rms, rate


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_it_speaks_a_call_offline_and_keeps_its_clips(lang: announce.Language, tmp_path: Path) -> None:
    need("espeak-ng", announce.available())
    first = Announcer(tmp_path)
    data = first.announce(lang, "A042", 3)
    seconds, rms, rate = _read(data)
    assert rate == announce.RATE
    assert 2.0 < seconds < 8.0  # a chime and four phrases, said at a hall's pace
    assert rms > 500  # words, not silence
    assert first.synthesised == 4
    # Another process finds the clips: nothing is spoken again, and the announcement is the same.
    again = Announcer(tmp_path)
    assert again.announce(lang, "A042", 3) == data
    assert again.synthesised == 0
    # A new number needs only its own clip.
    again.announce(lang, "A043", 3)
    assert again.synthesised == 1


def test_the_command_writes_the_announcement(tmp_path: Path) -> None:
    need("espeak-ng", announce.available())
    out = tmp_path / "call.wav"
    env = {"BIRTEREZE_VOICE_CACHE_DIR": str(tmp_path / "cache")}
    result = CliRunner().invoke(
        main, ["announce", "--lang", "kk", "--ticket", "A042", "--window", "3", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    seconds, rms, _ = _read(out.read_bytes())
    assert seconds > 2.0 and rms > 500
    refused = CliRunner().invoke(
        main, ["announce", "--lang", "ru", "--ticket", "A-?", "--window", "3", "--out", str(out)], env=env
    )
    assert refused.exit_code == 2 and "not a ticket number" in refused.output


def test_without_espeak_it_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(announce, "available", lambda: False)
    with pytest.raises(announce.VoiceUnavailable, match="install-system-deps"):
        Announcer(tmp_path).announce("ru", "A042", 3)
    result = CliRunner().invoke(
        main,
        ["announce", "--lang", "ru", "--ticket", "A042", "--window", "3", "--out", str(tmp_path / "x.wav")],
        env={"BIRTEREZE_VOICE_CACHE_DIR": str(tmp_path / "empty")},
    )
    assert result.exit_code == 1 and "espeak-ng is not installed" in result.output


async def test_the_board_gets_the_announcement_over_http(
    app: FastAPI, client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    need("espeak-ng", announce.available())
    app.state.announcer = Announcer(tmp_path)  # no clip kept by another test
    url = "/api/v1/announcements/kk"
    heard = await client.get(url, params={"ticket": "A042", "window": 3}, headers=world.auth("kiosk"))
    assert heard.status_code == 200 and heard.headers["content-type"] == "audio/wav"
    seconds, rms, _ = _read(heard.content)
    assert seconds > 2.0 and rms > 500
    refused = await client.get(url, params={"ticket": "A-?", "window": 3}, headers=world.auth("kiosk"))
    assert refused.status_code == 422
    assert (await client.get(url, params={"ticket": "A042", "window": 3})).status_code == 401
    russian = await client.get(
        "/api/v1/announcements/ru", params={"ticket": "P7", "window": 12}, headers=world.auth("operator")
    )
    assert russian.status_code == 200
    # A server without espeak-ng says so, in the caller's language.
    monkeypatch.setattr(announce, "available", lambda: False)
    unavailable = await client.get(
        url, params={"ticket": "Z999", "window": 99}, headers={**world.auth("kiosk"), "Accept-Language": "ru"}
    )
    assert unavailable.status_code == 503 and unavailable.json()["code"] == "voice_unavailable"
    assert "espeak-ng" in unavailable.json()["detail"] and "Здесь" in unavailable.json()["detail"]
