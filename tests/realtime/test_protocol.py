"""y-websocket framing, tested with literal bytes."""

from __future__ import annotations

import pytest

from collab.errors import BadRequest
from collab.realtime import protocol


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"\x00\x00\x00", protocol.SyncStep1(b"")),
        (b"\x00\x00\x02\x01\x05", protocol.SyncStep1(b"\x01\x05")),
        (b"\x00\x01\x02\x00\x00", protocol.SyncStep2(b"\x00\x00")),
        (b"\x00\x02\x03abc", protocol.SyncUpdate(b"abc")),
        (b"\x01\x01\x00", protocol.AwarenessUpdate(b"\x00")),
        (b"\x03", protocol.QueryAwareness()),
    ],
)
def test_decode_message(frame: bytes, expected: protocol.Message) -> None:
    assert protocol.decode_message(frame) == expected


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"", "truncated varint"),
        (b"\x80", "truncated varint"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff", "varint too long"),
        (b"\x07", "unknown message type 7"),
        (b"\x02\x00\x00", "unknown message type 2"),  # clients never send auth
        (b"\x00\x05\x00", "unknown sync message type 5"),
        (b"\x00\x02\x05ab", "truncated byte array"),
        (b"\x00\x02", "truncated varint"),
        (b"\x00\x02\x01a!", "trailing bytes after message"),
        (b"\x03\x00", "trailing bytes after message"),
        (b"\x01\x04\x00", "truncated byte array"),
    ],
)
def test_decode_refuses_malformed_frames(frame: bytes, reason: str) -> None:
    with pytest.raises(BadRequest, match=reason):
        protocol.decode_message(frame)


def test_encoders_write_the_standard_bytes() -> None:
    assert protocol.encode_sync_step1(b"\x01\x02") == b"\x00\x00\x02\x01\x02"
    assert protocol.encode_sync_step2(b"\x00\x00") == b"\x00\x01\x02\x00\x00"
    assert protocol.encode_update(b"xyz") == b"\x00\x02\x03xyz"
    assert protocol.encode_awareness(b"\x00") == b"\x01\x01\x00"
    assert protocol.encode_query_awareness() == b"\x03"
    assert protocol.encode_permission_denied("non") == b"\x02\x00\x03non"


def test_long_payload_uses_multi_byte_length() -> None:
    payload = b"x" * 300
    frame = protocol.encode_update(payload)
    assert frame[:4] == b"\x00\x02\xac\x02"  # 300 = 0b10_0101100 → 0xac 0x02
    assert protocol.decode_message(frame) == protocol.SyncUpdate(payload)


def test_awareness_round_trip_counts_utf8_bytes() -> None:
    entries = [
        protocol.AwarenessEntry(client_id=300, clock=2, state='{"user":{"name":"Zoé"}}'),
        protocol.AwarenessEntry(client_id=7, clock=9, state="null"),
    ]
    payload = protocol.encode_awareness_update(entries)
    # count=2; client 300 = ac 02; clock 2; the JSON is 24 bytes although it has 23 characters.
    assert payload[:5] == b"\x02\xac\x02\x02\x18"
    assert protocol.decode_awareness(payload) == entries
    assert protocol.decode_awareness(payload)[1].removed


@pytest.mark.parametrize(
    "payload",
    [b"\x01\x01\x01\x03abc", b"\x01\x01\x01\x05{}", b"\x02\x01\x01\x02{}", b"\x01\x01\x01\x02\xff\xfe", b"\x00\x00"],
)
def test_awareness_refuses_malformed_payloads(payload: bytes) -> None:
    with pytest.raises(BadRequest):
        protocol.decode_awareness(payload)
