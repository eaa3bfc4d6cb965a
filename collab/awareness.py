"""Who is in a room and where their cursor is: pycrdt's Awareness, plus per-connection claims.

The room remembers which awareness client ids each connection announced, so that it
can broadcast their removal when that connection closes (no ghost cursors). Frames
are validated by :func:`collab.protocol.decode_awareness` before pycrdt sees them, and
outgoing updates are encoded by :func:`collab.protocol.encode_awareness_update`
(byte-length strings: pycrdt 0.14's encoder writes character counts).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pycrdt import Awareness, Doc

from collab.protocol import AwarenessEntry, decode_awareness, encode_awareness_update


class RoomAwareness:
    def __init__(self, doc: Doc[Any]) -> None:
        self._awareness = Awareness(doc)
        # The server itself is not a participant: drop the local state pycrdt creates.
        self._awareness.remove_awareness_states([self._awareness.client_id], "server")
        self._owner: dict[int, object] = {}

    def apply(self, payload: bytes, origin: object) -> set[int]:
        """Apply an update from ``origin``; return the client ids it still announces."""
        entries = decode_awareness(payload)
        self._awareness.apply_awareness_update(payload, origin)
        live: set[int] = set()
        for entry in entries:
            if entry.removed:
                if self._owner.get(entry.client_id) is origin:
                    del self._owner[entry.client_id]
            else:
                self._owner.setdefault(entry.client_id, origin)
                live.add(entry.client_id)
        return live

    def states_update(self) -> bytes | None:
        """An update carrying every known state (for a newcomer or a query), or None."""
        states = self._awareness.states
        if not states:
            return None
        meta = self._awareness.meta
        entries = [
            AwarenessEntry(cid, int(meta[cid]["clock"]), json.dumps(state, separators=(",", ":")))
            for cid, state in states.items()
        ]
        return encode_awareness_update(entries)

    def remove(self, client_ids: Iterable[int], origin: object) -> bytes | None:
        """Forget the states a closing connection owned; return the removal update to broadcast."""
        owned = [cid for cid in client_ids if self._owner.get(cid) is origin]
        if not owned:
            return None
        for cid in owned:
            del self._owner[cid]
        present = [cid for cid in owned if cid in self._awareness.states]
        self._awareness.remove_awareness_states(present, "disconnect")
        meta = self._awareness.meta
        entries = [AwarenessEntry(cid, int(meta.get(cid, {}).get("clock", 0)), "null") for cid in owned]
        return encode_awareness_update(entries)
