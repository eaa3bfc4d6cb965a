"""How a text was written: the update log replayed step by step, each step as the characters it
kept, inserted or deleted, with its author and time, so that the teacher's replay page can show
every intermediate text exactly and colour each pupil's contribution.

Yrs reports text changes in UTF-8 bytes; the steps count characters (code points), which is what
the page's script walks through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from pycrdt import Doc, Text, TextEvent

from collab.models import StoredUpdate
from collab.realtime.crdt import TEXT_NAME

#: ("r", n) keep n characters, ("i", "text") insert, ("d", n) delete n characters
Op = tuple[str, int | str]


@dataclass(frozen=True, slots=True)
class Step:
    at: float
    author: int | None
    ops: tuple[Op, ...]


def _chars_in(current: list[str], start: int, size_in_bytes: int) -> int:
    """How many characters from ``start`` make ``size_in_bytes`` UTF-8 bytes."""
    count = consumed = 0
    while consumed < size_in_bytes and start + count < len(current):
        consumed += len(current[start + count].encode("utf-8"))
        count += 1
    return count


def replay_steps(log: Sequence[StoredUpdate]) -> list[Step]:
    """One step per update of the log that changed the text, in order."""
    doc: Doc[Any] = Doc()
    text = doc.get(TEXT_NAME, type=Text)
    deltas: list[dict[str, Any]] = []

    def collect(event: TextEvent) -> None:
        deltas.extend(cast(Any, event).delta)  # declared in __slots__ only: mypy cannot see it

    subscription = text.observe(collect)
    current: list[str] = []
    steps: list[Step] = []
    try:
        for update in log:
            deltas.clear()
            doc.apply_update(update.data)
            ops: list[Op] = []
            pos = 0
            for delta in deltas:
                if "retain" in delta:
                    n = _chars_in(current, pos, int(delta["retain"]))
                    ops.append(("r", n))
                    pos += n
                elif "insert" in delta and isinstance(delta["insert"], str):
                    inserted = delta["insert"]
                    current[pos:pos] = list(inserted)
                    ops.append(("i", inserted))
                    pos += len(inserted)
                elif "delete" in delta:
                    n = _chars_in(current, pos, int(delta["delete"]))
                    del current[pos : pos + n]
                    ops.append(("d", n))
            if ops:
                steps.append(Step(update.created_at, update.author_id, tuple(ops)))
    finally:
        text.unobserve(subscription)
    return steps


def apply_steps(steps: Sequence[Step]) -> list[tuple[str, int | None]]:
    """The text after ``steps``, each character with its author (what the page draws)."""
    chars: list[tuple[str, int | None]] = []
    for step in steps:
        pos = 0
        for kind, value in step.ops:
            if kind == "r":
                pos += int(value)
            elif kind == "i":
                inserted = [(c, step.author) for c in str(value)]
                chars[pos:pos] = inserted
                pos += len(inserted)
            else:
                del chars[pos : pos + int(value)]
    return chars
