"""The room with in-memory channels (no sockets) and a real SQLite update log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from collab.errors import BadRequest, Locked, ReadOnly
from collab.models import Access, DocStatus, Role, User
from collab.realtime import protocol
from collab.realtime.hub import Hub
from collab.realtime.metrics import Metrics
from collab.realtime.room import Peer, Room
from collab.settings import Settings
from collab.store import Store
from collab.writing.agreement import AgreementDesk
from tests.support.channels import MemoryChannel
from tests.support.yclient import two_updates, update_inserting

pytestmark = pytest.mark.anyio


@pytest.fixture
async def hub(tmp_path: Path, store: Store) -> AsyncIterator[Hub]:
    """A hub on each engine in turn (the ``store`` fixture: SQLite, then PostgreSQL)."""
    await store.documents.ensure_document("d", "Texte")
    settings = Settings(data_dir=tmp_path, room_grace_seconds=60)
    the_hub = Hub(store, settings, Metrics(), hooks=[AgreementDesk(store)])  # it announces the agreement state
    await the_hub.start()
    yield the_hub
    await the_hub.close()


def user(uid: int) -> User:
    return User(id=uid, login=f"u{uid}", display_name=f"U{uid}", role=Role.PUPIL)


async def join(hub: Hub, uid: int, access: Access = Access.WRITE) -> tuple[Room, Peer, MemoryChannel]:
    channel = MemoryChannel()
    room, peer = await hub.join("d", user(uid), access, channel)
    return room, peer, channel


async def test_join_sends_the_state_vector(hub: Hub) -> None:
    room, _, channel = await join(hub, 1)
    step1, awareness = channel.messages()
    assert step1 == protocol.SyncStep1(room.doc.get_state())
    # then who is here: only the server, with the room's agreement state
    assert isinstance(awareness, protocol.AwarenessUpdate)
    [entry] = protocol.decode_awareness(awareness.payload)
    assert entry.client_id == room.server_client_id and "binome" in json.loads(entry.state)


async def test_update_is_relayed_only_once_committed(hub: Hub) -> None:
    room, a, _ = await join(hub, 1)
    _, _, b_channel = await join(hub, 2)
    b_channel.frames.clear()
    frame = protocol.encode_update(update_inserting("bonjour"))
    await room.receive(a, frame)
    assert b_channel.frames == []  # applied in memory, not yet durable: not relayed
    await hub.update_log.flush()
    assert b_channel.frames == [frame]  # the very same bytes
    rows = await hub.store.documents.read_log("d")
    assert [(r.seq, r.author_id) for r in rows] == [(1, 1)]


async def test_sync_step2_is_relayed_as_an_update(hub: Hub) -> None:
    room, a, _ = await join(hub, 1)
    _, _, b_channel = await join(hub, 2)
    b_channel.frames.clear()
    data = update_inserting("hors ligne")
    await room.receive(a, protocol.encode_sync_step2(data))
    await hub.update_log.flush()
    assert b_channel.messages() == [protocol.SyncUpdate(data)]
    assert str(room.text) == "hors ligne"


async def test_read_only_update_is_refused_and_not_stored(hub: Hub) -> None:
    room, reader, _ = await join(hub, 1, Access.READ)
    with pytest.raises(ReadOnly):
        await room.receive(reader, protocol.encode_update(update_inserting("non")))
    await hub.update_log.flush()
    assert await hub.store.documents.read_log("d") == []
    assert str(room.text) == ""


async def test_a_published_text_keeps_its_writers_connected_as_readers(hub: Hub) -> None:
    room, a, a_channel = await join(hub, 1)
    _, b, b_channel = await join(hub, 2)
    hub.status_changed("d", DocStatus.PUBLISHED)
    assert a_channel.closed is None and b_channel.closed is None  # the end they worked for, not a failure
    assert not a.can_write and a.demoted and room.peers == [a, b]
    state = protocol.encode_awareness_update([protocol.AwarenessEntry(77, 1, json.dumps({"name": "Léa"}))])
    b_channel.frames.clear()
    await room.receive(a, protocol.encode_awareness(state))  # presence still goes to the partner
    assert [type(m) for m in b_channel.messages()] == [protocol.AwarenessUpdate]
    with pytest.raises(Locked):  # a keystroke already on its way: refused as "closed to writing" (4409)
        await room.receive(a, protocol.encode_update(update_inserting("tard")))
    await hub.update_log.flush()
    assert await hub.store.documents.read_log("d") == [] and str(room.text) == ""


async def test_a_locked_text_closes_its_writers(hub: Hub) -> None:
    _, _, channel = await join(hub, 1)
    _, _, reader_channel = await join(hub, 2, Access.READ)
    hub.status_changed("d", DocStatus.LOCKED)
    assert channel.closed is not None and channel.closed[0] == 4409 and reader_channel.closed is None


async def test_awareness_is_forgotten_when_its_connection_leaves(hub: Hub) -> None:
    room, a, _ = await join(hub, 1)
    _, _, b_channel = await join(hub, 2)
    state = protocol.encode_awareness_update([protocol.AwarenessEntry(77, 1, json.dumps({"name": "Léa"}))])
    await room.receive(a, protocol.encode_awareness(state))
    assert room.awareness.owned(a) == {77}
    b_channel.frames.clear()
    room.leave(a)
    [removal] = b_channel.messages()
    assert isinstance(removal, protocol.AwarenessUpdate)
    assert protocol.decode_awareness(removal.payload) == [protocol.AwarenessEntry(77, 1, "null")]
    left = room.awareness.states_update()
    assert left is not None  # the server's own entry stays
    assert [e.client_id for e in protocol.decode_awareness(left)] == [room.server_client_id]


async def test_sync_step1_answer_waits_for_pending_writes(hub: Hub) -> None:
    room, a, _ = await join(hub, 1)
    _, b, b_channel = await join(hub, 2)
    await room.receive(a, protocol.encode_update(update_inserting("durable")))
    b_channel.frames.clear()
    await room.receive(b, protocol.encode_sync_step1(b"\x00"))
    # By the time the answer is sent, the update it contains is committed.
    assert len(await hub.store.documents.read_log("d")) == 1
    answer = [m for m in b_channel.messages() if isinstance(m, protocol.SyncStep2)]
    assert len(answer) == 1


async def test_update_with_missing_dependencies_is_refused_and_the_room_reloaded(hub: Hub) -> None:
    room, a, _ = await join(hub, 1)
    await room.receive(a, protocol.encode_sync_step2(protocol.EMPTY_UPDATE))  # a answered: no grace
    _, _, b_channel = await join(hub, 2)
    await room.receive(a, protocol.encode_update(update_inserting("abc")))
    await hub.update_log.flush()
    _, gap = two_updates("xyz", "uvw")
    with pytest.raises(BadRequest, match="depends on changes"):
        await room.receive(a, protocol.encode_update(gap))
    assert a.channel.closed is not None and a.channel.closed[0] == 4400  # type: ignore[attr-defined]
    assert b_channel.closed == (1011, "document reloading after a server error")
    assert "d" not in hub.rooms
    reloaded, _, _ = await join(hub, 2)
    assert str(reloaded.text) == "abc"  # the committed update is there, the refused one is not
    assert len(await hub.store.documents.read_log("d")) == 1


async def test_a_keystroke_sent_before_the_answer_waits_for_the_edits_made_offline(hub: Hub) -> None:
    """The stock client sends a keystroke as soon as its socket opens, before its sync step 2 brings
    the edits made offline: the keystroke waits for them instead of being refused."""
    room, a, _ = await join(hub, 1)
    _, _, b_channel = await join(hub, 2)
    offline, keystroke = two_updates("Il pleut", ".")
    await room.receive(a, protocol.encode_update(keystroke))
    assert str(room.text) == "" and a.held and b_channel.messages()[-1:] != [protocol.SyncUpdate(keystroke)]
    await room.receive(a, protocol.encode_sync_step2(offline))
    assert str(room.text) == "Il pleut." and not a.held and a.channel.closed is None  # type: ignore[attr-defined]
    await hub.update_log.flush()  # relayed once durable, in the order they integrate
    relayed = [m for m in b_channel.messages() if isinstance(m, protocol.SyncUpdate)]
    assert [m.update for m in relayed] == [offline, keystroke]
    assert len(await hub.store.documents.read_log("d")) == 2


async def test_what_is_still_missing_after_the_answer_is_refused(hub: Hub) -> None:
    room, a, _ = await join(hub, 1)
    _, gap = two_updates("xyz", "uvw")
    await room.receive(a, protocol.encode_update(gap))
    with pytest.raises(BadRequest, match="depends on changes"):
        await room.receive(a, protocol.encode_sync_step2(protocol.EMPTY_UPDATE))
    assert "d" not in hub.rooms  # rebuilt from storage, as for any update that cannot integrate


async def test_a_client_that_never_answers_gets_no_endless_grace(hub: Hub) -> None:
    """Held or not, only the first few updates before the answer are tried on a copy (a cost a
    hostile client could otherwise repeat forever); then updates must integrate at once."""
    room, a, _ = await join(hub, 1)
    for letter in "abcd":
        await room.receive(a, protocol.encode_update(update_inserting(letter)))
    _, gap = two_updates("xyz", "uvw")
    for _ in range(a.grace):
        await room.receive(a, protocol.encode_update(gap))
    with pytest.raises(BadRequest, match="depends on changes"):
        await room.receive(a, protocol.encode_update(gap))
    assert not a.held and a.answered


async def test_what_a_peer_may_hold_before_its_answer_is_one_frame_at_most(hub: Hub) -> None:
    """Held updates are kept in memory: together they never exceed one frame's bytes."""
    room, a, _ = await join(hub, 1)
    big = two_updates("x" * 1000, "y" * (hub.settings.max_frame_bytes // 2))[1]
    await room.receive(a, protocol.encode_update(big))
    assert len(a.held) == 1
    with pytest.raises(BadRequest, match="depends on changes"):
        await room.receive(a, protocol.encode_update(big))
    assert not a.held


async def test_an_update_committed_by_another_worker_reaches_every_peer_here(hub: Hub) -> None:
    """What another worker committed (collab.realtime.cluster gives it in the log's order) is applied,
    relayed to every peer of this worker's room, and heard by the features like an edit."""
    room, _, a_channel = await join(hub, 1)
    _, _, b_channel = await join(hub, 2)
    heard: list[str] = []
    room.observers.append(lambda _, event: heard.append(event))
    a_channel.frames.clear()
    b_channel.frames.clear()
    data = update_inserting("d'ailleurs")
    room.apply_remote(1, data)
    assert str(room.text) == "d'ailleurs"
    assert a_channel.messages() == b_channel.messages() == [protocol.SyncUpdate(data)]
    assert heard == ["edit"] and room.last_edit_at is None  # another worker's pupil: not counted here


async def test_presence_of_another_workers_connection_comes_and_goes(hub: Hub) -> None:
    room, _, channel = await join(hub, 1)
    channel.frames.clear()
    state = protocol.encode_awareness_update([protocol.AwarenessEntry(77, 1, json.dumps({"name": "Noé"}))])
    room.apply_remote_presence("w2/1", 2, state, 0.0)
    [relayed] = channel.messages()
    assert isinstance(relayed, protocol.AwarenessUpdate)
    assert [e.client_id for e in protocol.decode_awareness(relayed.payload)] == [77]
    # A newcomer here is told, as for a local connection; a forged claim of the same id by another
    # person of another worker is not taken.
    assert 77 in [e.client_id for e in protocol.decode_awareness(room.awareness.states_update() or b"")]
    forged = protocol.encode_awareness_update([protocol.AwarenessEntry(77, 9, json.dumps({"name": "X"}))])
    room.apply_remote_presence("w3/1", 3, forged, 0.0)
    assert (
        json.loads(
            dict((e.client_id, e.state) for e in protocol.decode_awareness(room.awareness.states_update() or b""))[77]
        )["name"]
        == "Noé"
    )
    channel.frames.clear()
    room.remote_left("w2/1")
    [removal] = channel.messages()
    assert isinstance(removal, protocol.AwarenessUpdate)
    assert [e.removed for e in protocol.decode_awareness(removal.payload)] == [True]
