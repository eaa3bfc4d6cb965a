"""People as the pages show them: names, the logins made from them, a pair's colours (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from collab.models import Pair, User

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


#: Partner colours, shared by the writing room, the dashboard and the replay (Okabe–Ito: told apart
#: by colour-blind eyes too).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
#: The colour of an erased member's writing (no id: their updates have no author any more).
FORMER_COLOUR = "#5b6475"


def coloured(members: Sequence[User]) -> list[dict[str, Any]]:
    """A pair's members as the pages draw them: id, name and their colour (same order, same colour
    on the pupils' screens, the dashboard and the replay)."""
    return [{"id": m.id, "name": m.display_name, "colour": COLOURS[i % len(COLOURS)]} for i, m in enumerate(members)]


def pair_authors(pair: Pair | None) -> list[dict[str, Any]]:
    """The authors of a pair's texts as the teacher's pages draw them: its members, and « un ancien
    élève » (id None, grey) for each member whose data was erased."""
    if pair is None:
        return []
    former = pair.author_names[: 1 if pair.former_members else 0]
    return [{"id": None, "name": name, "colour": FORMER_COLOUR} for name in former] + coloured(pair.members)
