"""Documents' contents, stored content-addressed: a file is kept once under its SHA-256
(``<documents_dir>/ab/abcdef…``), whatever application or how many refer to it. Uploads are checked by
their magic bytes (PDF, JPEG, PNG: what the file is, not what its name or the browser says) and size.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from birtereze.applications.errors import DocumentTooLarge, DocumentTypeRefused
from birtereze.core.settings import Settings

MAGIC: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
HEX: Final = frozenset("0123456789abcdef")


def sniff(content: bytes) -> str | None:
    """The file's type by its first bytes: ``application/pdf``, ``image/jpeg``, ``image/png`` or None."""
    for magic, content_type in MAGIC:
        if content.startswith(magic):
            return content_type
    return None


@dataclass(frozen=True, slots=True)
class Stored:
    sha256: str
    content_type: str
    size: int


class DocumentStore:
    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentStore:
        return cls(settings.documents_dir, max_bytes=settings.document_max_bytes)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= HEX:
            raise ValueError(sha256)
        return self.root / sha256[:2] / sha256

    def check(self, content: bytes) -> str:
        """The upload's type, or the translated reason it is refused."""
        if len(content) > self.max_bytes:
            raise DocumentTooLarge(megabytes=round(self.max_bytes / 1024 / 1024, 1))
        content_type = sniff(content)
        if content_type is None:
            raise DocumentTypeRefused()
        return content_type

    def put(self, content: bytes, *, content_type: str) -> Stored:
        """Store ``content`` (once: the same bytes again change nothing); written to a temporary file and
        renamed, so that a reader never sees half a file."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        try:
            # Newly wanted: the sweep of files no document refers to leaves it alone for a while.
            os.utime(target)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(content)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return Stored(sha256=digest, content_type=content_type, size=len(content))

    def upload(self, content: bytes) -> Stored:
        return self.put(content, content_type=self.check(content))

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def stored_before(self, prefix: str, moment: float) -> list[str]:
        """The hashes starting with the two hex digits ``prefix`` whose file was last stored before
        ``moment`` (a POSIX timestamp); temporary files being written are not counted."""
        folder = self.root / prefix
        if not folder.is_dir():
            return []
        found = []
        for entry in os.scandir(folder):
            name = entry.name
            if len(name) == 64 and set(name) <= HEX and entry.is_file() and entry.stat().st_mtime < moment:
                found.append(name)
        return found

    def remove_if_before(self, sha256: str, moment: float) -> bool:
        """Delete the file unless it was stored again at ``moment`` or since; True when deleted.

        The file is first moved aside, then its time read again: a ``put`` of the same bytes that came
        before the move has made it new (it is moved back), and one that comes after finds no file and
        writes it afresh. Either way a document that a transaction is about to refer to keeps its file.
        """
        target = self.path(sha256)
        aside = target.with_name(f".sweep-{sha256}")
        try:
            os.replace(target, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= moment:
            os.replace(aside, target)
            return False
        aside.unlink()
        return True
