"""A pair's card on the teacher's dashboard: who writes, the text, its state,
words and dictation progress, as the live feed (collab.dashboard.feed) sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collab.dashboard.progress import Progress, words
from collab.dashboard.relay import SUMMARY_SECONDS, RoomSummary
from collab.realtime.hooks import RoomView
from collab.realtime.room import ACTIVITY_BUCKET, ACTIVITY_BUCKETS
from collab.states import TextFacts, text_state

#: Words and progress lag the text by at most this long while a pair types.
COUNT_SECONDS = 3.0


@dataclass
class PairCard:
    """What the dashboard knows of one pair's document between two flushes."""

    doc_id: str
    pair_number: int
    group: str
    members: list[dict[str, Any]]
    reference: str
    #: What the text's state is derived from (read again from the store when it changes).
    facts: TextFacts
    draft: int = 1
    text: str = ""
    last_author: int | None = None
    last_edit: float | None = None
    #: Words and progress of the text ``_counted`` (only the new words, while pupils type at the end).
    _counted: str | None = None
    _counted_at: float = float("-inf")
    _words: int = 0
    _matched: int = 0
    #: How many times the facts were asked for: only the answer to the latest is kept.
    _asked: int = 0
    #: What other workers holding the pair's room last said of it (collab.dashboard.relay), by worker.
    remote: dict[str, RoomSummary] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._expected = words(self.reference)
        self._progress = Progress(self._expected)

    def as_json(self, room: RoomView | None, agreed: list[int], now: float, *, full: bool = False) -> dict[str, Any]:
        """The card's live fields (``agreed``: who agrees with the loaded room's current version);
        with ``full``, also those that never change (for a snapshot)."""
        if room is not None:
            self.read(room)
        writers = {p.user.id for p in room.peers if p.can_write} if room is not None else set()
        buckets: list[tuple[int, int]] = [(int(b), int(n)) for b, n in room.activity] if room is not None else []
        for summary in self._remote_now(now):
            writers.update(summary.writers)
            buckets.extend(summary.activity)
            agreed = sorted(set(agreed) | set(summary.agreed))
            if summary.last_edit is not None and (self.last_edit is None or summary.last_edit > self.last_edit):
                self.last_edit, self.last_author = summary.last_edit, summary.last_author
                if room is None:  # the room is elsewhere: its text is the one of the latest edit
                    self.text = summary.text
            elif room is None and self.last_edit is None:
                self.text = summary.text
        connected = sorted(writers)
        activity = [0] * ACTIVITY_BUCKETS
        newest = int(now // ACTIVITY_BUCKET)
        for bucket, count in buckets:
            age = newest - bucket
            if 0 <= age < ACTIVITY_BUCKETS:
                activity[ACTIVITY_BUCKETS - 1 - age] += count
        if self.counts_behind and (full or now - self._counted_at >= COUNT_SECONDS):
            self._counted, self._counted_at = self.text, now
            self._words, self._matched = self._progress.update(self.text)
        state = text_state(self.facts, now)
        card: dict[str, Any] = {
            "doc": self.doc_id,
            "state": state.value,
            "label": state.label,
            "hint": state.hint,
            "text": self.text,
            "words": self._words,
            "connected": connected,
            "last_author": self.last_author,
            "last_edit": self.last_edit,
            "activity": activity,
            "agreed": agreed,
            "progress": {"matched": self._matched, "total": len(self._expected)} if self._expected else None,
        }
        if full:
            card.update(pair=self.pair_number, group=self.group, members=self.members, draft=self.draft)
        return card

    def _remote_now(self, now: float) -> list[RoomSummary]:
        """The other workers' summaries still fresh (a worker that went silent is forgotten)."""
        for worker, summary in list(self.remote.items()):
            if now - summary.at > SUMMARY_SECONDS:
                del self.remote[worker]
        return list(self.remote.values())

    def heard(self, message: dict[str, Any]) -> None:
        """A message of another worker about this pair's room (ValueError and the like when malformed)."""
        worker = str(message["worker"])
        if message.get("gone"):
            self.remote.pop(worker, None)
        else:
            self.remote[worker] = RoomSummary.from_json(message)

    def read(self, room: RoomView) -> None:
        """The room's text and last edit (also kept when the room unloads)."""
        self.text = room.current_text()
        if room.last_edit_at is not None:
            self.last_edit, self.last_author = room.last_edit_at, room.last_author_id

    @property
    def counts_behind(self) -> bool:
        """The words and progress sent are those of an older text (counted again soon)."""
        return self._counted != self.text
