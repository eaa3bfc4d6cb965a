"""The one seam between the hub and features: a feature written here, in the test, hears of rooms
through its hooks on a real hub, driven by real Yjs frames, without the hub knowing of it."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import collab.realtime
from collab.errors import ServerError
from collab.models import Access, DocStatus, Role, User
from collab.realtime import protocol
from collab.realtime.hooks import RoomEvent, RoomHooks, Rooms, RoomView
from collab.realtime.hub import Hub
from collab.realtime.metrics import Metrics
from collab.settings import Settings
from collab.store import Store
from tests.support.channels import MemoryChannel
from tests.support.yclient import update_inserting

pytestmark = pytest.mark.anyio


class Journal(RoomHooks):
    """A feature nobody wrote before: it writes down what the hub tells it."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.rooms: Rooms | None = None

    def bind(self, rooms: Rooms) -> None:
        self.rooms = rooms

    async def loaded(self, room: RoomView) -> None:
        self.calls.append(("loaded", room.doc_id, room.current_text()))

    def changed(self, room: RoomView, event: RoomEvent) -> None:
        self.calls.append(("changed", event, room.current_text(), len(room.peers)))

    def unloaded(self, room: RoomView) -> None:
        self.calls.append(("unloaded", room.doc_id, room.current_text(), room.broken))

    def status(self, doc_id: str, status: DocStatus, sent_back: dict[str, object] | None) -> None:
        self.calls.append(("status", doc_id, status, sent_back))

    def facts(self, doc_id: str) -> None:
        self.calls.append(("facts", doc_id))

    async def added(self, doc_id: str) -> None:
        self.calls.append(("added", doc_id))


class Refusing(RoomHooks):
    async def loaded(self, room: RoomView) -> None:
        raise RuntimeError("the feature's storage is down")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    the_store = await Store.open(tmp_path / "db.sqlite3")
    await the_store.documents.ensure_document("d", "Texte")
    yield the_store
    await the_store.close()


def pupil(uid: int) -> User:
    return User(id=uid, login=f"u{uid}", display_name=f"U{uid}", role=Role.PUPIL)


async def test_a_new_feature_hears_of_rooms_through_its_hooks(store: Store, tmp_path: Path) -> None:
    journal = Journal()
    hub = Hub(store, Settings(data_dir=tmp_path, room_grace_seconds=0), Metrics(), hooks=[journal])
    await hub.start()
    try:
        assert journal.rooms is hub  # bound once, at construction
        room, peer = await hub.join("d", pupil(1), Access.WRITE, MemoryChannel())
        await room.receive(peer, protocol.encode_update(update_inserting("bonjour")))
        hub.status_changed("d", DocStatus.LOCKED)
        hub.facts_changed("d")
        await hub.document_added("d2")
        room.leave(peer)
        for _ in range(100):  # unloaded once idle (no grace)
            if journal.calls[-1][0] == "unloaded":
                break
            await asyncio.sleep(0.02)
        assert journal.calls == [
            ("loaded", "d", ""),
            ("changed", "presence", "", 1),
            ("changed", "edit", "bonjour", 1),
            ("status", "d", DocStatus.LOCKED, None),
            ("facts", "d"),
            ("added", "d2"),
            ("changed", "presence", "bonjour", 0),
            ("unloaded", "d", "bonjour", False),
        ]
        assert "d" not in hub.rooms
    finally:
        await hub.close()


async def test_a_dropped_room_is_unloaded_as_broken(store: Store, tmp_path: Path) -> None:
    journal = Journal()
    hub = Hub(store, Settings(data_dir=tmp_path, room_grace_seconds=60), Metrics(), hooks=[journal])
    await hub.start()
    try:
        await hub.join("d", pupil(1), Access.WRITE, MemoryChannel())
        await hub.forget_documents(["d"])
        assert journal.calls[-1] == ("unloaded", "d", "", True)
    finally:
        await hub.close()


async def test_a_hook_that_fails_fails_the_load(store: Store, tmp_path: Path) -> None:
    journal = Journal()
    hub = Hub(store, Settings(data_dir=tmp_path), Metrics(), hooks=[journal, Refusing()])
    await hub.start()
    try:
        with pytest.raises(ServerError):
            await hub.join("d", pupil(1), Access.WRITE, MemoryChannel())
        assert "d" not in hub.rooms and journal.calls == [("loaded", "d", "")]
    finally:
        await hub.close()


def test_the_real_time_core_imports_no_feature() -> None:
    """realtime/ knows no HTTP and no feature: only the kernel, the store and itself."""
    allowed = ("collab.errors", "collab.models", "collab.policy", "collab.settings", "collab.store", "collab.realtime")
    for path in Path(collab.realtime.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("collab"):
                assert node.module.startswith(allowed), f"{path.name} imports {node.module}"
