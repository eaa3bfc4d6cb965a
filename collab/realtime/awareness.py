"""Who is in a room and where their cursor is, with per-connection claims and bounds.

The room remembers which awareness client ids each connection announced, so that it
can broadcast their removal when that connection closes (no ghost cursors).

The states are kept as the JSON text the client sent, with y-protocols' clock rule
(a state replaces another only with a newer clock; a removal wins at equal clock).
We do not use pycrdt 0.14's ``Awareness`` here: on the hot path it parsed every frame a
second time (6 % of the server's CPU under load, measured by ``make bench``), and its
encoder writes string lengths in characters where lib0 expects UTF-8 bytes.
Frames are validated once by :func:`collab.realtime.protocol.decode_awareness`.

Presence is bounded and cannot be forged:

* one state is at most ``state_bytes`` of JSON (:class:`PresenceTooLarge`, 4413);
* one connection may announce at most ``ids_per_connection`` client ids over its life
  (a Yjs document has one; :class:`TooManyPresences`, 4400);
* the server announces the room's state under :data:`SERVER_CLIENT_ID`, with the server-only
  field ``binome``: a client announcing that id with a newer clock, a ``binome`` field under
  any id, or a newer state for an id another person's connection owns, is refused
  (:class:`ForgedPresence`, 4403);
* the stock y-websocket client repeats every awareness change it receives, with the same clock:
  those echoes (and removals of clients the room does not know) are dropped, never relayed.

The room adds the last bound (all the states one room holds) in :meth:`collab.realtime.room.Room.receive`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from collab.errors import ForgedPresence, TooManyPresences
from collab.realtime.protocol import AwarenessEntry, decode_awareness, encode_awareness_update

#: The awareness client id under which the server announces a room's state (agreement, the
#: teacher's message). Yjs picks client ids below 2**32, so no browser ever uses it; the page
#: is given it and trusts the ``binome`` field only from it.
SERVER_CLIENT_ID: Final = 2**32
#: Top-level state fields only the server may announce.
SERVER_FIELDS: Final = frozenset({"binome"})


@dataclass(frozen=True, slots=True)
class PresenceLimits:
    state_bytes: int = 4096
    ids_per_connection: int = 4


def _size(state: str) -> int:
    return len(state) if state.isascii() else len(state.encode("utf-8"))


def carries_server_fields(state: str) -> bool:
    """True when a client's JSON state has a top-level field only the server may announce.

    Parsed again only when the text could hold one (the name, or any escape)."""
    if "binome" not in state and "\\" not in state:
        return False
    value = json.loads(state)
    return isinstance(value, dict) and not SERVER_FIELDS.isdisjoint(value)


class RoomAwareness:
    def __init__(self, limits: PresenceLimits | None = None) -> None:
        self._limits = limits or PresenceLimits()
        self._states: dict[int, str] = {}
        self._clocks: dict[int, int] = {}
        self._sizes: dict[int, int] = {}
        #: client id → the connection that announced it (the server's own id has none).
        self._owner: dict[int, object] = {}
        #: connection → the client ids it owns (at most ids_per_connection over its life).
        self._claims: dict[object, set[int]] = {}
        self._person: dict[object, int] = {}
        self._held: dict[object, int] = {}
        #: UTF-8 bytes of the states clients announced (the server's own is not counted).
        self.total_bytes = 0

    def apply(self, payload: bytes, origin: object, person: int) -> bytes | None:
        """Apply an update from connection ``origin`` of user ``person``; return the awareness
        payload to relay to the others (``payload`` itself when all of it is new), or None."""
        entries = decode_awareness(payload, max_state_bytes=self._limits.state_bytes)
        kept = [entry for entry in entries if self._apply_entry(entry, origin, person)]
        if len(kept) == len(entries):
            return payload if kept else None
        return encode_awareness_update(kept) if kept else None

    def _apply_entry(self, entry: AwarenessEntry, origin: object, person: int) -> bool:
        cid, clock, removed = entry.client_id, entry.clock, entry.removed
        known = self._clocks.get(cid)
        if cid == SERVER_CLIENT_ID:
            if known is None or clock > known:
                raise ForgedPresence("announces the server's own awareness client id")
            return False  # an echo of what the server said
        if not removed and carries_server_fields(entry.state):
            raise ForgedPresence("announces a field only the server may set")
        owner = self._owner.get(cid)
        if owner is origin:
            if known is not None and (clock < known or (clock == known and not (removed and cid in self._states))):
                return False
        else:
            if known is not None and clock <= known:
                return False  # an echo of a state the room has (or an older one)
            if owner is None and removed:
                return False  # the removal of a client the room does not know
            if owner is not None and self._person.get(owner) != person:
                raise ForgedPresence("announces another person's awareness client id")
            self._claim(cid, origin, person, owner)
        self._clocks[cid] = clock
        size = 0 if removed else _size(entry.state)
        delta = size - self._sizes.get(cid, 0)
        if removed:
            self._states.pop(cid, None)
            self._sizes.pop(cid, None)
        else:
            self._states[cid] = entry.state
            self._sizes[cid] = size
        self.total_bytes += delta
        self._held[origin] = self._held.get(origin, 0) + delta
        return True

    def _claim(self, cid: int, origin: object, person: int, previous: object | None) -> None:
        """``origin`` takes ``cid`` (new, or from another connection of the same person: a reconnect)."""
        claims = self._claims.setdefault(origin, set())
        if len(claims) >= self._limits.ids_per_connection:
            raise TooManyPresences(f"more than {self._limits.ids_per_connection} awareness client ids")
        claims.add(cid)
        self._person[origin] = person
        self._owner[cid] = origin
        if previous is not None:
            self._claims[previous].discard(cid)
            size = self._sizes.get(cid, 0)
            self._held[previous] -= size
            self._held[origin] = self._held.get(origin, 0) + size

    def held(self, origin: object) -> int:
        """Bytes of the states ``origin`` announced and the room still holds."""
        return self._held.get(origin, 0)

    def owned(self, origin: object) -> set[int]:
        """The client ids ``origin`` owns (those it announced, present or removed)."""
        return set(self._claims.get(origin, ()))

    def states_of(self, origin: object) -> bytes | None:
        """An update carrying the states ``origin`` announced and the room holds, or None."""
        cids = sorted(cid for cid in self._claims.get(origin, ()) if cid in self._states)
        if not cids:
            return None
        return encode_awareness_update([AwarenessEntry(cid, self._clocks[cid], self._states[cid]) for cid in cids])

    def states_update(self) -> bytes | None:
        """An update carrying every known state (for a newcomer or a query), or None."""
        if not self._states:
            return None
        return encode_awareness_update(
            [AwarenessEntry(cid, self._clocks[cid], state) for cid, state in self._states.items()]
        )

    def remove(self, origin: object) -> bytes | None:
        """Forget everything a closing connection announced; return the removal update to broadcast."""
        claims = self._claims.pop(origin, set())
        self._person.pop(origin, None)
        self.total_bytes -= self._held.pop(origin, 0)
        gone = []
        for cid in sorted(claims):
            del self._owner[cid]
            clock = self._clocks.pop(cid)
            self._sizes.pop(cid, None)
            if self._states.pop(cid, None) is not None:
                gone.append(AwarenessEntry(cid, clock, "null"))
        return encode_awareness_update(gone) if gone else None

    def set_own(self, state: str, *, floor: int = 0) -> bytes:
        """Set the state the server itself announces (no connection owns it); return the update.

        Its clock is at least ``floor`` (the time in ms): a page that saw an earlier instance of the
        room (before a reload or a restart) still takes the new state as newer."""
        clock = max(self._clocks.get(SERVER_CLIENT_ID, 0) + 1, floor)
        self._clocks[SERVER_CLIENT_ID] = clock
        self._states[SERVER_CLIENT_ID] = state
        return encode_awareness_update([AwarenessEntry(SERVER_CLIENT_ID, clock, state)])
