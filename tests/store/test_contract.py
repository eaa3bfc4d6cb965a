"""The store's contract on both engines: one scenario goes through every store area (accounts,
sessions, schools, classes and pupils, pairs, tasks, documents with their drafts, log and snapshots,
agreements, posts and comments, media rows, the follow-up, throttles, the audit log and erasure) on
SQLite and on PostgreSQL; it checks what must hold on each, and every answer is compared between
the engines (times made by the clock and random class codes are left out: they cannot match).

Ids are compared too. They match because the store never spends one on an insert it knows is
refused (PostgreSQL's sequences would skip it), and because the scenario never adds a row to a
table just after deleting its newest row (SQLite gives that id again, PostgreSQL never does)."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any

import pytest

from collab.errors import Conflict
from collab.models import Access, DocStatus, MediaKind, MediaType, NewGroup, Role, StoredFile, ThrottlePolicy
from collab.store import Store
from tests.support.stores import open_store

pytestmark = pytest.mark.anyio

#: Floats above this are times read from the clock (the scenario's own times are small).
_CLOCK = 1e9
#: Fields drawn at random (a class's code).
_RANDOM = {"code"}


def plain(value: Any) -> Any:
    """A value as comparable data: dataclasses as dicts, clock times as a mark, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {f.name: "<random>" if f.name in _RANDOM else plain(getattr(value, f.name)) for f in fields}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and value > _CLOCK:
        return "<clock>"
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Transcript:
    def __init__(self) -> None:
        self.entries: list[tuple[str, Any]] = []

    def __call__(self, name: str, value: Any) -> Any:
        self.entries.append((name, plain(value)))
        return value


async def people_and_classes(store: Store, note: Transcript) -> dict[str, Any]:
    accounts, schools = store.accounts, store.schools
    teacher = note("teacher", await accounts.ensure_user("durand", "Mme Durand", Role.TEACHER))
    note("same teacher", await accounts.ensure_user("durand", "Autre nom", Role.TEACHER))
    abel = await accounts.ensure_user("abel", "mme Abel", Role.TEACHER)
    elise = await accounts.ensure_user("elise", "Mme Élise", Role.TEACHER)
    pupils = [
        await accounts.ensure_user(login, name, Role.PUPIL)
        for login, name in [("zoe", "Zoé"), ("anna", "anna"), ("emile", "Émile Durand"), ("bob", "Bob")]
    ]
    note("unique logins", [await accounts.create_user_with_unique_login("lea", "Léa", Role.PUPIL) for _ in range(2)])
    await accounts.rename(pupils[3].id, "Bob Martin")
    parent = await accounts.ensure_user("parent", "M. Martin", Role.PARENT)
    admin = await accounts.ensure_user("admin", "Admin", Role.ADMIN)

    school = note("school", await schools.ensure_school("Montpellier", "École Jean Macé"))
    note("same school", await schools.ensure_school("Montpellier", "École Jean Macé"))
    other = note("other school", await schools.ensure_school("Sète", "École du Port"))
    note("commune", (await schools.commune_id("Sète"), await schools.commune_name(other.commune_id)))
    note("schools", await schools.list_schools(frozenset({school.id, other.id, 999})))
    klass = await schools.ensure_class(school.id, "CM1 A", "CM1", "2026-2027")
    assert await schools.ensure_class(school.id, "CM1 A", "CM1", "2026-2027") == klass
    assert await schools.get_class_by_code(f" {klass.code.lower()} ") == klass
    spare = await schools.ensure_class(school.id, "CE2", "CE2", "2026-2027")
    note("classes", [(k.name, k.level, k.archived) for k in await schools.list_classes(school.id)])
    for t in (teacher, abel, elise):
        await schools.add_teacher(klass.id, t.id)
    await schools.add_teacher(klass.id, teacher.id)
    for p in pupils:
        await schools.add_pupil(klass.id, p.id)
    await schools.add_pupil(spare.id, pupils[0].id)
    await schools.link_parent(parent.id, pupils[3].id)
    await schools.link_parent(parent.id, pupils[3].id)
    for _ in range(2):
        await schools.add_admin_scope(admin.id, school_id=school.id)
        await schools.add_admin_scope(admin.id, commune_id=other.commune_id)
    note("teachers (byte order)", [u.display_name for u in await schools.list_teachers(klass.id)])
    note("pupils (French order)", [u.display_name for u in await schools.list_pupils(klass.id)])
    note("parents", (await schools.parent_links(klass.id), await schools.parents_of(pupils[3].id)))
    note("taught", await schools.classes_taught_by(teacher.id))
    ids = frozenset({school.id})
    for query in ("DURAND", "an", "é", "%", "_", "zz"):
        note(f"find {query!r}", [(u.login, k.name) for u, k in await schools.find_pupils(ids, query)])
    note("current classes", await schools.current_classes_of([p.id for p in pupils]))
    return {"teacher": teacher, "pupils": pupils, "parent": parent, "admin": admin, "school": school, "klass": klass}


async def school_year(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    schools, school, pupils = store.schools, w["school"], w["pupils"]
    old = await schools.ensure_class(school.id, "CM2 2025", "CM2", "2025-2026")
    for p in pupils[:2]:
        await schools.add_pupil(old.id, p.id)
    note("archived", await schools.archive_year(school.id, "2025-2026"))
    assert await schools.get_archived_class_by_code(old.code) == dataclasses.replace(old, archived=True)
    new = await schools.ensure_class(school.id, "CM2 2026", "CM2", "2026-2027")
    stranger = await store.accounts.ensure_user("tom", "Tom", Role.PUPIL)
    await schools.add_pupil(old.id, stranger.id)
    note("carried", await schools.carry_pupils(new.id, [stranger.id, pupils[0].id, stranger.id]))
    note("classes of pupil", [k.name for k in await schools.classes_of_pupil(stranger.id)])
    await schools.remove_pupil(new.id, stranger.id)
    note("principal", await store.accounts.load_principal(w["teacher"]))
    note("admin principal", await store.accounts.load_principal(w["admin"]))
    note("parent principal", await store.accounts.load_principal(w["parent"]))


async def pairs_and_tasks(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    pairs, tasks, klass, pupils = store.pairs, store.tasks, w["klass"], w["pupils"]
    first = note("pairs", await pairs.arrange(klass.id, [[pupils[0].id, pupils[1].id], [pupils[2].id, pupils[3].id]]))
    await pairs.keep_apart(klass.id, pupils[2].id, pupils[0].id)
    await pairs.keep_apart(klass.id, pupils[0].id, pupils[2].id)
    await pairs.keep_apart(klass.id, pupils[3].id, pupils[1].id)
    await pairs.keep_apart(klass.id, pupils[3].id, pupils[1].id, apart=False)
    note("kept apart", await pairs.kept_apart(klass.id))
    second = note("rearranged", await pairs.arrange(klass.id, [[pupils[1].id, pupils[0].id], [pupils[2].id]]))
    assert second[0].id == first[0].id
    note("pairs of class", await pairs.pairs_of_class(klass.id))
    note("pairs of", (await pairs.pairs_of(pupils[3].id), await pairs.get_pair(first[1].id)))
    w["pair"] = first[0]
    audio = MediaType(MediaKind.AUDIO, "audio/ogg", "Son")
    media = note("media", await store.media.add(
        StoredFile("ab" * 32, 1234, audio, 12.5, (1.0, 2.5)), school_id=w["school"].id, class_id=klass.id,
        name="Dictée", uploaded_by=w["teacher"].id,
    ))  # fmt: skip
    shared = await store.media.add(
        StoredFile("ab" * 32, 1234, audio, None, ()), school_id=w["school"].id, class_id=None, name="Commun",
        uploaded_by=w["teacher"].id,
    )  # fmt: skip
    await store.media.rename(media.id, "Dictée du lundi")
    await store.media.set_cuts(media.id, [0.5, 3.0])
    note("shelf", await store.media.list_for_class(klass.id, w["school"].id))
    note("delete shared (file still used)", await store.media.delete(shared.id))
    groups = [NewGroup("A", "Écoute bien", media.id, "Le chat dort.", [first[0].id]), NewGroup("B", "", None, "", [])]
    task_id = await tasks.create(
        class_id=klass.id, kind="dictation", title="Dictée 1", opens_at=100.0, closes_at=None,
        created_by=w["teacher"].id, groups=groups,
    )  # fmt: skip
    note("task", await tasks.get(task_id))
    note("task documents", await tasks.documents(task_id))
    note("media in use", (await tasks.media_in_use(media.id), await tasks.media_in_use(shared.id)))
    other = await store.pairs.arrange(klass.id, [[pupils[1].id, pupils[0].id], [pupils[2].id], [pupils[3].id]])
    await store.documents.ensure_document("free-1", "Libre", class_id=klass.id, pair_id=other[2].id)
    adopted = await tasks.adopt(
        class_id=klass.id, title="Adoptée", reference="Ref", created_by=w["teacher"].id,
        documents=[(other[2].id, "free-1")],
    )  # fmt: skip
    note("tasks of class", [t.title for t in await tasks.list_for_class(klass.id)])
    note("adopted", await tasks.documents(adopted))
    await tasks.end(task_id, 200.0)
    await tasks.end(task_id, 300.0)  # already ended earlier: unchanged
    note("ended", (await tasks.get(task_id)).closes_at)  # type: ignore[union-attr]
    w["task_id"], w["doc"] = task_id, f"t{task_id}-p{first[0].id}"


async def documents(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    docs, doc, pupils = store.documents, w["doc"], w["pupils"]
    note("document", (await docs.get_document(doc), await docs.status_of(doc), await docs.pair_of(doc)))
    note("school of", (await docs.school_of(doc), await docs.school_of("free-1")))
    await docs.set_members(doc, [(w["parent"].id, Access.READ)])
    await docs.set_members(doc, [(w["parent"].id, Access.WRITE)])
    note("target", await docs.get_target(w["parent"].id, doc))
    note("targets", [t.document.id for t in await docs.list_targets_for_user(pupils[0].id)])
    note("ids for pair", await docs.ids_for_pair(w["pair"].id))
    await docs.append_updates(doc, [(bytes([i]), pupils[i % 2].id, 1000.0 + i) for i in range(1, 6)])
    note("group commit", await store.db.append_updates([(doc, b"x", None, 2000.0), ("free-1", b"y", 7, 2001.0)]))
    await docs.write_snapshot(doc, b"snap", 3)
    await docs.write_snapshot(doc, b"older", 2)
    note("load", await docs.load(doc))
    note("log", await docs.read_log(doc, after_seq=4))
    note("last update", (await docs.last_update(doc), await docs.last_update("nothing")))
    note("count", await docs.count_updates(doc))
    note("text facts", await store.tasks.text_facts([doc, "free-1", "missing"]))


async def blog_and_drafts(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    blog, doc, klass, pupils = store.blog, w["doc"], w["klass"], w["pupils"]
    note("agree", await blog.agree(doc, pupils[0].id, b"\x01\x02", upto_seq=0))
    note("agree both", await blog.agree(doc, pupils[1].id, b"\x01\x02", upto_seq=0))
    await blog.clear_agreements(doc, before=0.0)
    note("agreements", await blog.agreements(doc))
    note("moderated", (await blog.is_moderated(klass.id), await blog.is_moderated(999)))
    post = note("post", await blog.publish(
        doc_id=doc, class_id=klass.id, pair_id=w["pair"].id, task_id=w["task_id"], title="Le chat",
        body="Le chat dort.", state_vector=b"\x01\x02", moderated=True,
    ))  # fmt: skip
    again = await blog.publish(
        doc_id=doc, class_id=klass.id, pair_id=w["pair"].id, task_id=None, title="Autre",
        body="Autre", state_vector=b"", moderated=False,
    )  # fmt: skip
    assert again == post  # one post per document: the second publication finds the first
    note("free post", await blog.publish(
        doc_id="free-1", class_id=klass.id, pair_id=None, task_id=None, title="Libre", body="Un texte libre.",
        state_vector=b"\x05", moderated=False,
    ))  # fmt: skip
    note("after publish", (await docs_status(store, doc), await blog.agreements(doc), await blog.waiting(klass.id)))
    note("send back", (await blog.send_back(post.id, "Relisez"), await blog.send_back(post.id)))
    note("sent back", await blog.sent_back(doc))
    note("drafts of class", await blog.drafts_of_class(klass.id))
    post = await blog.publish(
        doc_id=doc, class_id=klass.id, pair_id=w["pair"].id, task_id=w["task_id"], title="Le chat",
        body="Le chat dort bien.", state_vector=b"\x01\x03", moderated=True,
    )  # fmt: skip
    note("approve", (await blog.approve(post.id), await blog.approve(post.id)))
    note("unpublish", (await blog.unpublish(post.id), await blog.unpublish(post.id), await blog.approve(post.id)))
    note("posts", (await blog.posts_of_class(klass.id, with_submitted=False), await blog.post_of_document(doc)))
    note("posts limited", await blog.posts_of_class(klass.id, with_submitted=True, limit=0))
    await blog.set_moderated(klass.id, False)
    await blog.set_comments_mode(klass.id, "held")
    await blog.set_post_comments_mode(post.id, "immediate")
    note("settings", (await blog.settings(klass.id), await blog.get(post.id)))
    key = await blog.ensure_feed_key(klass.id)
    assert await blog.ensure_feed_key(klass.id) == key == await blog.feed_key(klass.id)
    assert await blog.renew_feed_key(klass.id) != key
    parent = w["parent"]
    first = note("comment", await blog.add_comment(post.id, parent.id, "Bravo ! 100% d'accord ?", "held"))
    second = await blog.add_comment(post.id, pupils[0].id, "Merci", "visible")
    assert first is not None and second is not None
    note("comments", (await blog.comments_of_post(post.id), await blog.held_comments(klass.id)))
    await blog.set_comment_status(first.id, "visible")
    note("counts", (await blog.visible_comment_counts(klass.id), await blog.comments_by(parent.id)))
    await blog.delete_comment(second.id)
    await blog.set_comments_closed(klass.id, True)
    note("closed", (await blog.add_comment(post.id, parent.id, "Encore", "visible"), await blog.get_comment(second.id)))
    draft_id = f"{doc}-2"
    draft = note("draft", await store.documents.create_draft(doc, draft_id, "Le chat (2)", b"seed"))
    with pytest.raises(Conflict):
        await store.documents.create_draft(doc, f"{doc}-again", "Encore", b"seed")
    note("lineage", (await store.documents.lineage(doc), await store.documents.lineage(draft.id)))
    note("draft log", await store.documents.read_log(draft.id))
    note("draft task", (await store.tasks.task_of_document(draft.id), await store.tasks.assignment(draft.id)))
    note("task documents with drafts", await store.tasks.documents(w["task_id"]))
    note("no send back after a draft", await blog.send_back(post.id))


async def docs_status(store: Store, doc: str) -> DocStatus:
    return await store.documents.status_of(doc)


async def follow_up(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    f, doc, task_id, by = store.follow_up, w["doc"], w["task_id"], w["teacher"].id
    await f.set_marking(task_id, "weighted")
    note("marking", (await f.marking(task_id), await f.marking(999)))
    for expected, got in [("clé", "clef"), ("clé", "clef"), ("événement", "évènement")]:
        await f.accept_variant(task_id, expected, got)
    await f.refuse_variant(task_id, "événement", "évènement")
    note("variants", await f.accepted_variants(task_id))
    await f.override(doc, 3, 7, "orthographe", None, by)
    await f.override(doc, 3, 7, "accord", "homophone", by)
    await f.override(doc, 3, 7, "accord", "lexique", by)
    await f.override(doc, 9, 12, "", "autre", by)
    await f.clear_override(doc, 9, 12, "ponctuation")
    note("overrides", await f.overrides(doc))
    one = await f.annotate(doc, 0, 3, "Le ", "accord_gn", "Attention", by)
    await f.annotate(doc, 4, 8, "chat", "lexique", "", by)
    note("remove", (await f.remove_annotation(doc, one), await f.remove_annotation(doc, one)))
    note("annotations", await f.annotations(doc))
    await f.set_comment(doc, "Très bien", by)
    await f.set_comment(doc, "Très bien !", by)
    note("comment", await f.comment(doc))
    await f.set_comment(doc, "", by)
    note("no comment", await f.comment(doc))


async def sign_in_and_sessions(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    accounts, throttles, pupil = store.accounts, store.throttles, w["pupils"][0]
    policy = ThrottlePolicy(attempts=3, window_seconds=100, lock_steps=(60, 600))
    await accounts.set_pictures(pupil.id, (1, 5, 9))
    await accounts.set_password_hash(w["teacher"].id, "argon2-hash")
    await accounts.set_password_hash(w["teacher"].id, "argon2-hash-2")
    note("attempts", [await throttles.begin_sign_in(pupil.id, "", policy, now=1000.0 + i) for i in range(5)])
    note("budget", (await throttles.budget(pupil.id), await throttles.budget(pupil.id, "phone")))
    note("credentials", (await accounts.get_credentials(pupil.id), await accounts.get_credentials(w["teacher"].id)))
    await throttles.remember_device(pupil.id, "device-hash")
    note("known", (await throttles.is_known_device(pupil.id, "device-hash"), await throttles.is_known_device(1, "x")))
    await throttles.sign_in_succeeded(pupil.id, "")
    code = w["klass"].code
    lookups = [await throttles.look_up_class_code("10.0.0.1", c, max_misses=2, window_seconds=60, now=5000.0)
               for c in ("NOPE", code, "NOPE", "NOPE", code)]  # fmt: skip
    note("class codes", lookups)
    token = await accounts.create_token(w["teacher"].id, "cli")
    note("token", (await accounts.user_for_token(token), await accounts.user_for_token("nope")))
    valid = await accounts.still_valid([f"token:{'00' * 32}", "token:zz", "session:x"])
    note("tokens valid", (valid, await accounts.revoke_tokens_with_label("cli"), await accounts.revoke_tokens(1)))
    one, csrf = await store.sessions.create(pupil.id)
    two, _ = await store.sessions.create(pupil.id)
    session = await store.sessions.lookup(one)
    assert session is not None and session.csrf_token == csrf
    assert len(await store.sessions.still_valid([f"session:{one}", f"session:{two}", "session:zz"])) == 0
    note("revoke others", await store.sessions.revoke_others(pupil.id, one))
    note("sessions", (await store.sessions.lookup(two) is None, await store.sessions.revoke_all(pupil.id)))
    note("users", await accounts.list_users())


async def erasure(store: Store, note: Transcript, w: dict[str, Any]) -> None:
    privacy, pupil = store.privacy, w["pupils"][3]
    await privacy.record(w["admin"].id, "admin", "export", pupil.id, pupil.login)
    await privacy.record(None, "cli", "erase", pupil.id, pupil.login)
    note("audit", await privacy.audit_log(limit=1))
    own = await store.documents.ids_for_pair(w["pairs_of_erased"]) if "pairs_of_erased" in w else []
    await privacy.erase_user(pupil.id, ["free-1", *own], former_of=[w["pair"].id])
    note("erased", (await store.accounts.get_user(pupil.id), await store.documents.get_document("free-1")))
    note("log of free-1", await store.documents.read_log("free-1"))
    note("pair", await store.pairs.get_pair(w["pair"].id))
    counts = {
        table: await store.db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (pupil.id,))
        for table, column in [("sessions", "user_id"), ("class_pupils", "user_id"), ("parent_links", "pupil_id"),
                              ("comments", "author_id"), ("doc_updates", "author_id")]
    }  # fmt: skip
    assert set(counts.values()) == {(0,)}, counts


async def scenario(store: Store) -> list[tuple[str, Any]]:
    note = Transcript()
    world = await people_and_classes(store, note)
    await school_year(store, note, world)
    await pairs_and_tasks(store, note, world)
    await documents(store, note, world)
    await blog_and_drafts(store, note, world)
    await follow_up(store, note, world)
    await sign_in_and_sessions(store, note, world)
    await erasure(store, note, world)
    return note.entries


async def test_every_store_area_answers_the_same_on_both_engines(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    transcripts = {}
    for engine in ("sqlite", "postgres"):
        store = await open_store(engine, tmp_path, request)
        try:
            transcripts[engine] = await scenario(store)
        finally:
            await store.close()
    sqlite, postgres = transcripts["sqlite"], transcripts["postgres"]
    assert [name for name, _ in sqlite] == [name for name, _ in postgres]
    for (name, on_sqlite), (_, on_postgres) in zip(sqlite, postgres, strict=True):
        assert on_postgres == on_sqlite, name
