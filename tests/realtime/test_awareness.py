"""Room awareness: claims, bounds, echoes and forgeries (pure, no sockets)."""

from __future__ import annotations

import json

import pytest

from collab.errors import ForgedPresence, PresenceTooLarge, TooManyPresences
from collab.realtime import protocol
from collab.realtime.awareness import SERVER_CLIENT_ID, PresenceLimits, RoomAwareness


def update(*entries: tuple[int, int, str]) -> bytes:
    return protocol.encode_awareness_update([protocol.AwarenessEntry(*e) for e in entries])


A, A2, B = object(), object(), object()  # two connections of person 1, one of person 2


def test_echoes_and_unknown_removals_are_dropped() -> None:
    room = RoomAwareness()
    own = update((10, 1, '{"user":"a"}'))
    assert room.apply(own, A, 1) is own  # new: relayed as sent
    assert room.apply(update((10, 1, '{"user":"a"}')), B, 2) is None  # B's echo of it
    assert room.apply(update((10, 1, "null")), B, 2) is None  # a timeout removal echoed by B
    assert room.apply(update((99, 5, "null")), B, 2) is None  # removal of a client nobody knows
    mixed = room.apply(update((10, 1, '{"user":"a"}'), (20, 1, '{"user":"b"}')), B, 2)
    assert mixed is not None and protocol.decode_awareness(mixed) == [protocol.AwarenessEntry(20, 1, '{"user":"b"}')]
    assert room.owned(A) == {10} and room.owned(B) == {20}


def test_sizes_are_counted_per_connection_and_freed_on_leave() -> None:
    room = RoomAwareness(PresenceLimits(state_bytes=100, ids_per_connection=2))
    room.apply(update((1, 1, json.dumps({"n": "é" * 10}))), A, 1)
    assert room.held(A) == room.total_bytes == len(json.dumps({"n": "é" * 10}))
    with pytest.raises(PresenceTooLarge):
        room.apply(update((2, 1, json.dumps({"n": "x" * 100}))), A, 1)
    room.apply(update((2, 1, "{}")), A, 1)
    with pytest.raises(TooManyPresences):
        room.apply(update((3, 1, "{}")), A, 1)
    removal = room.remove(A)
    assert removal is not None and {e.client_id for e in protocol.decode_awareness(removal)} == {1, 2}
    assert room.total_bytes == 0 and room.states_update() is None


def test_only_the_same_person_may_take_a_client_id_over() -> None:
    room = RoomAwareness()
    room.apply(update((7, 1, "{}")), A, 1)
    with pytest.raises(ForgedPresence):
        room.apply(update((7, 2, '{"user":"faux"}')), B, 2)
    assert room.apply(update((7, 2, '{"v":2}')), A2, 1) is not None  # a reconnect of person 1
    assert room.owned(A) == set() and room.owned(A2) == {7}
    assert room.remove(A) is None  # the old socket leaving removes nothing
    assert room.held(A2) == room.total_bytes == len('{"v":2}')


@pytest.mark.parametrize(
    "state", ['{"binome":{"published":true}}', '{"\\u0062inome":{}}', '{"user":{"binome":1},"binome":null}']
)
def test_server_fields_are_refused_from_clients(state: str) -> None:
    with pytest.raises(ForgedPresence):
        RoomAwareness().apply(update((5, 1, state)), A, 1)


def test_a_name_that_merely_mentions_binome_is_fine() -> None:
    assert RoomAwareness().apply(update((5, 1, '{"user":{"name":"binome"}}')), A, 1) is not None


def test_the_servers_own_id_only_echoed_never_announced() -> None:
    room = RoomAwareness()
    said = protocol.decode_awareness(room.set_own('{"binome":{}}', floor=1_000))
    assert said[0].client_id == SERVER_CLIENT_ID and said[0].clock == 1_000
    assert room.apply(update((SERVER_CLIENT_ID, 1_000, '{"binome":{}}')), A, 1) is None
    assert room.apply(update((SERVER_CLIENT_ID, 1_000, "null")), A, 1) is None
    with pytest.raises(ForgedPresence):
        room.apply(update((SERVER_CLIENT_ID, 1_001, '{"binome":{"published":true}}')), A, 1)
    assert protocol.decode_awareness(room.set_own("{}", floor=10))[0].clock == 1_001  # always newer
