"""Where the shared test corpora are (real e-mails nobody here wrote): ../shared/corpora."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
CANDIDATES = [
    Path(os.environ["LOKET_CORPORA"]) if os.environ.get("LOKET_CORPORA") else None,
    ROOT.parent / "shared" / "corpora",
    Path("/work/shared/corpora"),
]
CORPORA = next((path for path in CANDIDATES if path is not None and path.is_dir()), None)
MISSING = "the shared corpora (../shared/corpora or LOKET_CORPORA) are not on this machine"


def email_files() -> list[Path]:
    return sorted((CORPORA / "email").glob("*.eml")) if CORPORA else []
