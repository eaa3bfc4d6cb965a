"""Who is in a room and where their cursor is, with per-connection claims.

The room remembers which awareness client ids each connection announced, so that it
can broadcast their removal when that connection closes (no ghost cursors).

The states are kept as the JSON text the client sent, with y-protocols' clock rule
(a state replaces another only with a newer clock; a removal wins at equal clock).
We do not use pycrdt 0.14's ``Awareness`` here: on the hot path it parsed every frame a
second time (6 % of the server's CPU under load, measured by ``make bench``), and its
encoder writes string lengths in characters where lib0 expects UTF-8 bytes.
Frames are validated once by :func:`collab.protocol.decode_awareness`.
"""

from __future__ import annotations

from collections.abc import Iterable

from collab.protocol import AwarenessEntry, decode_awareness, encode_awareness_update


class RoomAwareness:
    def __init__(self) -> None:
        self._states: dict[int, str] = {}
        self._clocks: dict[int, int] = {}
        self._owner: dict[int, object] = {}

    def apply(self, payload: bytes, origin: object) -> set[int]:
        """Apply an update from ``origin``; return the client ids it announces as present."""
        live: set[int] = set()
        for entry in decode_awareness(payload):
            cid = entry.client_id
            known = self._clocks.get(cid)
            removed = entry.removed
            if known is None or known < entry.clock or (known == entry.clock and removed and cid in self._states):
                self._clocks[cid] = entry.clock
                if removed:
                    self._states.pop(cid, None)
                else:
                    self._states[cid] = entry.state
            if removed:
                if self._owner.get(cid) is origin:
                    del self._owner[cid]
            else:
                self._owner.setdefault(cid, origin)
                live.add(cid)
        return live

    def states_update(self) -> bytes | None:
        """An update carrying every known state (for a newcomer or a query), or None."""
        if not self._states:
            return None
        return encode_awareness_update(
            [AwarenessEntry(cid, self._clocks[cid], state) for cid, state in self._states.items()]
        )

    def remove(self, client_ids: Iterable[int], origin: object) -> bytes | None:
        """Forget the states a closing connection owned; return the removal update to broadcast."""
        owned = [cid for cid in client_ids if self._owner.get(cid) is origin]
        if not owned:
            return None
        for cid in owned:
            del self._owner[cid]
            self._states.pop(cid, None)
        return encode_awareness_update([AwarenessEntry(cid, self._clocks.get(cid, 0), "null") for cid in owned])

    def set_own(self, client_id: int, state: str) -> bytes:
        """Set a state the server itself announces (no connection owns it); return the update."""
        clock = self._clocks.get(client_id, 0) + 1
        self._clocks[client_id] = clock
        self._states[client_id] = state
        return encode_awareness_update([AwarenessEntry(client_id, clock, state)])
