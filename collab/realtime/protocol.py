"""The y-websocket wire protocol, on pycrdt's message helpers. Pure: bytes in, bytes out.

A frame is ``varUint(messageType)`` followed by the message:

* ``0`` sync: ``varUint(syncType)`` then ``varUint8Array`` — step 1 (a state vector),
  step 2 (an update answering step 1) or update (an incremental update);
* ``1`` awareness: ``varUint8Array(awarenessUpdate)``;
* ``2`` auth: ``varUint(0)`` then ``varString(reason)`` (permission denied);
* ``3`` query awareness: nothing.

Decoding is strict: truncated or overlong varints, unknown types and trailing bytes
raise :class:`collab.errors.BadRequest`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from pycrdt import create_awareness_message, create_update_message
from pycrdt._sync import create_sync_step2_message, write_var_uint

from collab.errors import BadRequest, PresenceTooLarge

__all__ = [
    "AwarenessEntry",
    "AwarenessUpdate",
    "Message",
    "QueryAwareness",
    "SyncStep1",
    "SyncStep2",
    "SyncUpdate",
    "decode_awareness",
    "decode_message",
    "decode_state_vector",
    "encode_awareness",
    "encode_awareness_update",
    "encode_permission_denied",
    "encode_query_awareness",
    "encode_sync_step1",
    "encode_sync_step2",
    "encode_update",
    "encode_var_bytes",
]

MESSAGE_SYNC: Final = 0
MESSAGE_AWARENESS: Final = 1
MESSAGE_AUTH: Final = 2
MESSAGE_QUERY_AWARENESS: Final = 3

SYNC_STEP1: Final = 0
SYNC_STEP2: Final = 1
SYNC_UPDATE: Final = 2

# lib0 decodes varUints into JavaScript numbers: 53 bits fit in 8 bytes of 7 bits.
_MAX_VARUINT_BYTES: Final = 8
EMPTY_UPDATE: Final = b"\x00\x00"


@dataclass(frozen=True, slots=True)
class SyncStep1:
    state: bytes


@dataclass(frozen=True, slots=True)
class SyncStep2:
    update: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    update: bytes


@dataclass(frozen=True, slots=True)
class AwarenessUpdate:
    payload: bytes


@dataclass(frozen=True, slots=True)
class QueryAwareness:
    pass


Message = SyncStep1 | SyncStep2 | SyncUpdate | AwarenessUpdate | QueryAwareness


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    client_id: int
    clock: int
    #: The JSON text of the state; ``"null"`` means the client is gone.
    state: str

    @property
    def removed(self) -> bool:
        return self.state == "null"


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode one varUint at ``pos``; return (value, next position)."""
    value = 0
    shift = 0
    end = len(data)
    for _ in range(_MAX_VARUINT_BYTES):
        if pos >= end:
            raise BadRequest("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise BadRequest("varint too long")


def read_var_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    """Decode one varUint8Array at ``pos``; return (bytes, next position)."""
    length, pos = read_var_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise BadRequest("truncated byte array")
    return data[pos:end], end


def _expect_end(data: bytes, pos: int) -> None:
    if pos != len(data):
        raise BadRequest("trailing bytes after message")


def decode_message(frame: bytes) -> Message:
    """Decode one y-websocket frame."""
    kind, pos = read_var_uint(frame, 0)
    if kind == MESSAGE_SYNC:
        sync_type, pos = read_var_uint(frame, pos)
        payload, pos = read_var_bytes(frame, pos)
        _expect_end(frame, pos)
        if sync_type == SYNC_STEP1:
            return SyncStep1(payload)
        if sync_type == SYNC_STEP2:
            return SyncStep2(payload)
        if sync_type == SYNC_UPDATE:
            return SyncUpdate(payload)
        raise BadRequest(f"unknown sync message type {sync_type}")
    if kind == MESSAGE_AWARENESS:
        payload, pos = read_var_bytes(frame, pos)
        _expect_end(frame, pos)
        return AwarenessUpdate(payload)
    if kind == MESSAGE_QUERY_AWARENESS:
        _expect_end(frame, pos)
        return QueryAwareness()
    raise BadRequest(f"unknown message type {kind}")


def decode_awareness(payload: bytes, *, max_state_bytes: int | None = None) -> list[AwarenessEntry]:
    """Decode an awareness update: a count, then (client id, clock, JSON state) per client.

    A state longer than ``max_state_bytes`` raises :class:`collab.errors.PresenceTooLarge`
    before it is parsed."""
    count, pos = read_var_uint(payload, 0)
    entries: list[AwarenessEntry] = []
    for _ in range(count):
        client_id, pos = read_var_uint(payload, pos)
        clock, pos = read_var_uint(payload, pos)
        raw, pos = read_var_bytes(payload, pos)
        if max_state_bytes is not None and len(raw) > max_state_bytes:
            raise PresenceTooLarge(f"awareness state of {len(raw)} bytes (limit {max_state_bytes})")
        try:
            state = raw.decode("utf-8")
            json.loads(state)
        except ValueError as exc:
            raise BadRequest("awareness state is not JSON") from exc
        entries.append(AwarenessEntry(client_id, clock, state))
    _expect_end(payload, pos)
    return entries


def decode_state_vector(data: bytes) -> dict[int, int]:
    """A Yjs state vector (a count, then client id and clock pairs) as {client: clock}.

    Two encodings of one version may list the clients in different orders (Yjs and Yrs do):
    compare the dictionaries, never the bytes."""
    count, pos = read_var_uint(data, 0)
    clocks: dict[int, int] = {}
    for _ in range(count):
        client, pos = read_var_uint(data, pos)
        clocks[client], pos = read_var_uint(data, pos)
    _expect_end(data, pos)
    return {client: clock for client, clock in clocks.items() if clock > 0}


def encode_awareness_update(entries: list[AwarenessEntry]) -> bytes:
    """Encode an awareness update (string lengths in UTF-8 bytes, as lib0 writes them)."""
    parts = [write_var_uint(len(entries))]
    for entry in entries:
        state = entry.state.encode("utf-8")
        parts += [write_var_uint(entry.client_id), write_var_uint(entry.clock), write_var_uint(len(state)), state]
    return b"".join(parts)


def encode_var_bytes(data: bytes) -> bytes:
    """A lib0 varUint8Array: the length, then the bytes (frames in an HTTP sync body)."""
    return write_var_uint(len(data)) + data


def encode_sync_step1(state: bytes) -> bytes:
    return bytes([MESSAGE_SYNC, SYNC_STEP1]) + write_var_uint(len(state)) + state


def encode_sync_step2(update: bytes) -> bytes:
    return create_sync_step2_message(update)


def encode_update(update: bytes) -> bytes:
    return create_update_message(update)


def encode_awareness(payload: bytes) -> bytes:
    return create_awareness_message(payload)


def encode_query_awareness() -> bytes:
    return bytes([MESSAGE_QUERY_AWARENESS])


def encode_permission_denied(reason: str) -> bytes:
    text = reason.encode("utf-8")
    return bytes([MESSAGE_AUTH, 0]) + write_var_uint(len(text)) + text
