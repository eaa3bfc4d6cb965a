"""An in-memory channel: a room's peer whose frames are kept in a list (see collab.realtime.channel)."""

from __future__ import annotations

from collab.realtime import protocol


class MemoryChannel:
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.closed: tuple[int, str] | None = None

    def send(self, frame: bytes) -> None:
        self.frames.append(frame)

    def close(self, code: int, reason: str) -> None:
        if self.closed is None:  # like a socket: the first close wins
            self.closed = (code, reason)

    def messages(self) -> list[protocol.Message]:
        return [protocol.decode_message(f) for f in self.frames]
