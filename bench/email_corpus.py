"""The e-mail load: the shared corpus repeated, each copy with a Message-ID of its own.

No Django here: bench/run.py (the SMTP sender) and bench/email_side.py both use it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("BENCH_EMAIL_CORPUS", ROOT.parent / "shared" / "corpora" / "email"))


def corpus_files() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.iterdir()) if path.is_file()]


def messages(count: int, prefix: str) -> list[bytes]:
    """``count`` messages: the corpus over and over (real senders, bodies, charsets and
    attachments), each copy with its own Message-ID as the first header."""
    files = corpus_files()
    return [f"Message-ID: <{prefix}-{i}@loket.bench>\r\n".encode() + files[i % len(files)] for i in range(count)]


def on_the_wire(raw: bytes) -> bytes:
    """As a mail server sends it: CRLF line ends."""
    return re.sub(rb"\r?\n", b"\r\n", raw)
