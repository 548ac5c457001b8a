"""Voice announcements of a call: "Талон А042 — үшінші терезе", "Талон А042 — окно 3".

Made offline: each phrase ("Талон", the ticket, the window) is spoken by espeak-ng once per language and
text and kept as a clip in a cache directory; an announcement is a chime followed by its clips, joined with
short pauses into one WAV (22,050 Hz, mono, 16 bit, espeak-ng's own format). Numbers are read in words
(num2words): the ticket's digits as one cardinal without its leading zeros, after the letter of its
prefix spelled as a letter; the window as an ordinal in Kazakh ("үшінші терезе") and as a cardinal after
the word in Russian ("окно три"), as the halls say them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import re
import shutil
import subprocess
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import structlog
from num2words import num2words

from birtereze.core.errors import DomainError
from birtereze.core.i18n import _l

log = structlog.get_logger(__name__)

Language = Literal["kk", "ru"]
LANGUAGES: Final[tuple[Language, ...]] = ("kk", "ru")

RATE: Final = 22_050  # espeak-ng's sample rate
PAUSE_S: Final = 0.18  # between two phrases
CHIME_GAP_S: Final = 0.35  # between the chime and the first word
ESPEAK: Final = "espeak-ng"
SPEED_WPM: Final = 150  # a little slower than espeak-ng's 175: a hall is noisy

_TICKET = re.compile(r"^\s*([^\W\d_]{0,3})\s*-?\s*(\d{1,4})\s*$")

# Latin prefix letters as the Cyrillic letters that sound alike, so that each voice says them as a letter.
_LATIN: Final = dict(zip("ABCDEFGHIKLMNOPRSTUVXYZ", "АБЦДЕФГХИКЛМНОПРСТУВХИЗ", strict=True))

# Kazakh ordinals: the last word of the cardinal takes -ыншы/-інші after a consonant and -ншы/-нші after a
# vowel, by the word's vowel harmony; these change their stem.
_KK_ORDINAL_STEMS: Final = {"қырық": "қырқыншы", "жиырма": "жиырмасыншы"}
_KK_BACK_VOWELS: Final = set("аоұыяу")
_KK_FRONT_VOWELS: Final = set("әеөүіиэ")


class VoiceUnavailable(DomainError):
    """espeak-ng is not installed, or failed: announcements cannot be spoken on this machine."""

    status = 503
    code = "voice_unavailable"
    message = _l(
        "Calls cannot be announced here: espeak-ng is not installed (scripts/install-system-deps.sh)."
    )


def kazakh_ordinal(number: int) -> str:
    """``3`` → "үшінші", ``42`` → "қырық екінші"."""
    words = num2words(number, lang="kz").split()
    last = words[-1]
    if last in _KK_ORDINAL_STEMS:
        words[-1] = _KK_ORDINAL_STEMS[last]
        return " ".join(words)
    vowels = [letter for letter in last if letter in _KK_BACK_VOWELS | _KK_FRONT_VOWELS]
    front = bool(vowels) and vowels[-1] in _KK_FRONT_VOWELS
    if last[-1] in _KK_BACK_VOWELS | _KK_FRONT_VOWELS:
        suffix = "нші" if front else "ншы"
    else:
        suffix = "інші" if front else "ыншы"
    words[-1] = last + suffix
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Phrase:
    """One clip: its text for espeak-ng (SSML when ``ssml``)."""

    text: str
    ssml: bool = False


def parse_ticket(ticket: str) -> tuple[str, int]:
    """``"A042"`` → ("А", 42): the prefix in Cyrillic letters and the number; ValueError if it is not one."""
    match = _TICKET.match(ticket)
    if match is None:
        raise ValueError(f"not a ticket number: {ticket!r} (a prefix of letters and up to four digits)")
    prefix = "".join(_LATIN.get(letter, letter) for letter in match.group(1).upper())
    return prefix, int(match.group(2))


def phrases(lang: Language, ticket: str, window: int) -> list[Phrase]:
    """What is said, clip by clip."""
    if lang not in LANGUAGES:
        raise ValueError(f"announcements are spoken in {', '.join(LANGUAGES)}, not {lang!r}")
    if window < 1:
        raise ValueError("a window number is 1 or more")
    prefix, number = parse_ticket(ticket)
    letters = [
        Phrase(f'<speak><say-as interpret-as="characters">{letter}</say-as></speak>', ssml=True)
        for letter in prefix
    ]
    words = "kz" if lang == "kk" else "ru"
    said_number = Phrase(num2words(number, lang=words))
    if lang == "kk":
        return [Phrase("Талон"), *letters, said_number, Phrase(f"{kazakh_ordinal(window)} терезе")]
    return [Phrase("Талон"), *letters, said_number, Phrase(f"окно {num2words(window, lang='ru')}")]


def available() -> bool:
    return shutil.which(ESPEAK) is not None


class Announcer:
    """Speaks announcements from cached clips; the cache directory is created as needed."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.synthesised = 0  # clips made by espeak-ng (the rest came from the cache)

    def clip(self, lang: Language, phrase: Phrase) -> bytes:
        """The phrase's 16-bit mono samples at ``RATE``, from the cache or made now."""
        key = hashlib.sha256(f"{lang}\0{phrase.ssml}\0{SPEED_WPM}\0{phrase.text}".encode()).hexdigest()[:32]
        path = self.cache_dir / lang / f"{key}.wav"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self._synthesise(lang, phrase, path)
        return _samples(path.read_bytes())

    def _synthesise(self, lang: Language, phrase: Phrase, path: Path) -> None:
        if not available():
            raise VoiceUnavailable()
        # A name of this thread's own: two requests may make the same clip at once; either one is kept.
        partial = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.part")
        command = [ESPEAK, "-v", lang, "-s", str(SPEED_WPM), "-w", str(partial)]
        if phrase.ssml:
            command.append("-m")
        completed = subprocess.run([*command, phrase.text], capture_output=True, timeout=30, check=False)
        if completed.returncode != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            log.error(
                "voice.espeak_failed", lang=lang, stderr=completed.stderr.decode(errors="replace").strip()
            )
            raise VoiceUnavailable()
        partial.replace(path)  # whole or not at all, should two processes make it at once
        self.synthesised += 1

    def announce(self, lang: Language, ticket: str, window: int) -> bytes:
        """The whole announcement as a WAV file's bytes."""
        parts = [chime(), _silence(CHIME_GAP_S)]
        for index, phrase in enumerate(phrases(lang, ticket, window)):
            if index:
                parts.append(_silence(PAUSE_S))
            parts.append(_trimmed(self.clip(lang, phrase)))
        parts.append(_silence(PAUSE_S))
        return _wav(b"".join(parts))


@functools.cache
def chime() -> bytes:
    """Two soft tones, high then low, as halls play before a call (0.7 s), as 16-bit samples."""
    parts = []
    for frequency, seconds in ((880.0, 0.32), (660.0, 0.38)):
        count = int(RATE * seconds)
        i = np.arange(count)
        fade = np.minimum(np.minimum(1.0, i / (0.01 * RATE)), (count - i) / (0.08 * RATE))
        parts.append(0.35 * fade * np.sin(2 * math.pi * frequency * i / RATE))
    return (np.concatenate(parts) * 32767).astype("<i2").tobytes()


def _silence(seconds: float) -> bytes:
    return bytes(2 * int(RATE * seconds))


def _samples(data: bytes) -> bytes:
    with wave.open(io.BytesIO(data)) as clip:
        if (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) != (1, 2, RATE):
            log.error("voice.unexpected_format", want="22,050 Hz mono 16-bit")
            raise VoiceUnavailable()
        frames: bytes = clip.readframes(clip.getnframes())
        return frames


def _trimmed(samples: bytes, threshold: int = 300) -> bytes:
    """The clip without the near-silence espeak-ng puts before and after the words."""
    values = np.frombuffer(samples, dtype="<i2")
    loud = np.flatnonzero(np.abs(values.astype(np.int32)) > threshold)
    if not loud.size:
        return samples
    return values[loud[0] : loud[-1] + 1].tobytes()


def _wav(samples: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(samples)
    return out.getvalue()
