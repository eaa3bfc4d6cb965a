"""Names and the logins made from them (pure)."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 60


def clean_name(raw: str) -> str:
    """A display name as typed by a teacher, trimmed; empty when nothing usable is left."""
    name = " ".join(raw.split())
    return name[:MAX_NAME_LENGTH]


def login_base(name: str, suffix: str) -> str:
    """``"Léa Martin-Dupré", "ENYQ3E"`` → ``"lea.martin-dupre.enyq3e"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9-]+", ascii_name) if w.strip("-")]
    stem = ".".join(words)[:40] or "eleve"
    return f"{stem}.{suffix.lower()}"


def sort_key(name: str) -> str:
    """Alphabetical order as in French: accents and case do not count (Léa before Lucas)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
