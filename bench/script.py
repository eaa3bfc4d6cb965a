"""Precomputed edit streams: every frame a pair will send, built with pycrdt before the clock starts.

The generator must stay cheap on its one core, so nothing CRDT-related happens during a
timed run: each pair's typist and listener documents are simulated here, in time order,
and the resulting update and awareness frames are stored with their send times.

Each side sees the other's updates only ``relay_delay`` seconds after they were sent, so
every update depends only on frames the server has (almost certainly) integrated already;
Yjs and pycrdt would keep an early arrival pending anyway.
"""

from __future__ import annotations

import json
import random
from collections import deque
from typing import Any

from pycrdt import Doc, Text, TransactionEvent

from collab.realtime.protocol import AwarenessEntry, encode_awareness, encode_awareness_update, encode_update

#: (seconds from the start of the run, connection index, frame, is a document update)
Send = tuple[float, int, bytes, bool]

TEXT_NAME = "text"

# A dictation-like French text, typed in chunks of 1–3 characters (accents included).
DICTATION = (
    "L'automne est arrivé. Dans la forêt, les feuilles rousses tombent doucement sur le chemin. "
    "Les écureuils ramassent des noisettes et les cachent sous les racines du vieux chêne. "
    "Léa et Noé marchent en silence ; ils écoutent le vent qui siffle entre les branches. "
    "« Regarde, un hérisson ! » s'écrie Noé. La petite bête s'arrête, puis disparaît sous un tas de mousse. "
    "Le soir venu, les enfants rentrent à la maison, les joues rouges et les poches pleines de châtaignes. "
)
FIX_CHARACTERS = "aeéèiounrstlàç,."
COLORS = ("#30bced", "#6eeb83", "#ffbc42", "#ecd444", "#ee6352", "#9ac2c9", "#8acb88", "#1be7ff")


class TextSource:
    """An endless stream of dictation text, cut into chunks."""

    def __init__(self, start: int) -> None:
        self._pos = start % len(DICTATION)

    def take(self, count: int) -> str:
        out = []
        for _ in range(count):
            out.append(DICTATION[self._pos])
            self._pos = (self._pos + 1) % len(DICTATION)
        return "".join(out)


def utf8_offset(text: str, index: int) -> int:
    """pycrdt 0.14 indexes Text by UTF-8 bytes: the offset of character ``index``."""
    return len(text[:index].encode("utf-8"))


class Editor:
    """One simulated client: its pycrdt document, its clocks and its awareness state."""

    def __init__(self, name: str, color: str) -> None:
        self.doc: Doc[Any] = Doc()
        self.text = self.doc.get(TEXT_NAME, type=Text)
        self.client_id = int(self.doc.client_id)
        self.name = name
        self.color = color
        self.inserted = 0  # characters this client created (its Yjs clock)
        self.awareness_clock = 0
        self._captured: list[bytes] = []
        self.doc.observe(self._capture)

    def _capture(self, event: TransactionEvent) -> None:
        self._captured.append(event.update)

    def apply_remote(self, update: bytes) -> None:
        self.doc.apply_update(update)
        self._captured.clear()

    def _take_update(self) -> bytes:
        assert len(self._captured) == 1, "one local transaction, one update"
        update = self._captured.pop()
        return update

    def append(self, chunk: str) -> bytes:
        self.text.insert(len(self.text), chunk)
        self.inserted += len(chunk)
        return self._take_update()

    def backspace(self) -> bytes:
        current = str(self.text)
        end = len(current.encode("utf-8"))
        del self.text[end - len(current[-1].encode("utf-8")) : end]
        return self._take_update()

    def fix(self, rng: random.Random) -> bytes | None:
        """Replace one character somewhere in the text (what the listener does)."""
        current = str(self.text)
        if len(current) < 2:
            return None
        index = rng.randrange(len(current))
        start = utf8_offset(current, index)
        end = start + len(current[index].encode("utf-8"))
        replacement = rng.choice(FIX_CHARACTERS)
        with self.doc.transaction():
            del self.text[start:end]
            self.text.insert(start, replacement)
        self.inserted += 1
        return self._take_update()

    def awareness_frame(self) -> bytes:
        """The cursor after the last character this client typed, as y-codemirror announces it."""
        self.awareness_clock += 1
        position = {
            "type": None,
            "tname": None,
            "item": {"client": self.client_id, "clock": self.inserted - 1},
            "assoc": 0,
        }
        state = {"user": {"name": self.name, "color": self.color}, "cursor": {"anchor": position, "head": position}}
        entry = AwarenessEntry(
            self.client_id, self.awareness_clock, json.dumps(state, separators=(",", ":"), ensure_ascii=False)
        )
        return encode_awareness(encode_awareness_update([entry]))


def _times(rng: random.Random, rate: float, total: float) -> list[float]:
    """Event times at ``rate`` per second, intervals uniform in ±50 %, from a random offset."""
    interval = 1.0 / rate
    out: list[float] = []
    t = rng.uniform(0.0, interval)
    while t < total:
        out.append(t)
        t += rng.uniform(0.5, 1.5) * interval
    return out


def build_pair(
    index: int,
    typist_conn: int,
    listener_conn: int,
    *,
    rate: float,
    total_seconds: float,
    seed: int,
    relay_delay: float = 0.2,
) -> list[Send]:
    """Every frame of one pair, in time order: the typist at ``rate``, the listener at ``rate / 10``."""
    rng = random.Random(seed * 1_000_003 + index)
    typist = Editor(f"Élève {index}A", COLORS[index % len(COLORS)])
    listener = Editor(f"Élève {index}B", COLORS[(index + 3) % len(COLORS)])
    source = TextSource(rng.randrange(len(DICTATION)))
    timeline = sorted(
        [(t, True) for t in _times(rng, rate, total_seconds)]
        + [(t, False) for t in _times(rng, rate / 10.0, total_seconds)]
    )
    to_listener: deque[tuple[float, bytes]] = deque()
    to_typist: deque[tuple[float, bytes]] = deque()
    sends: list[Send] = []
    for at, by_typist in timeline:
        me, inbox, outbox, conn = (
            (typist, to_typist, to_listener, typist_conn)
            if by_typist
            else (listener, to_listener, to_typist, listener_conn)
        )
        while inbox and inbox[0][0] + relay_delay <= at:
            me.apply_remote(inbox.popleft()[1])
        update = me.append(source.take(rng.randint(1, 3))) if by_typist else me.fix(rng)
        if update is None:
            continue
        outbox.append((at, update))
        sends.append((at, conn, encode_update(update), True))
        sends.append((at, conn, me.awareness_frame(), False))
    return sends


def build_typing_history(chars: int, seed: int) -> tuple[list[bytes], str]:
    """One client typing ``chars`` characters, 1–3 per update, with a backspace now and then.

    Returns the update frames (one per keystroke group or backspace) and the final text.
    """
    rng = random.Random(seed)
    editor = Editor(f"Élève {seed}", COLORS[seed % len(COLORS)])
    source = TextSource(rng.randrange(len(DICTATION)))
    frames: list[bytes] = []
    while len(str(editor.text)) < chars:
        current = str(editor.text)
        if current and rng.random() < 0.05:
            frames.append(encode_update(editor.backspace()))
        else:
            frames.append(encode_update(editor.append(source.take(rng.randint(1, 3)))))
    return frames, str(editor.text)
