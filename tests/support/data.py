"""Data a test needs in the database before it acts: through the store, as the product writes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from collab.models import Comment, Media, Post, StoredUpdate
from collab.settings import Settings
from collab.store import Store
from tests.support.server import run_async
from tests.support.web import DemoSchool
from tests.support.yclient import update_inserting

T = TypeVar("T")


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``work`` on a store of its own over the server's database."""

    async def run() -> T:
        store = await Store.open(settings.store_target)
        try:
            return await work(store)
        finally:
            await store.close()

    return run_async(run)


def stored_text_has(settings: Settings, doc: str, needle: str) -> bool:
    """Whether any stored update of ``doc`` carries ``needle`` (updates hold inserted text as is)."""

    async def logged(store: Store) -> list[StoredUpdate]:
        return await store.documents.read_log(doc)

    return any(needle.encode() in update.data for update in with_store(settings, logged))


WRITTEN_AT = 1796076300.0  # 2026-11-30 23:05 in Paris


def publish_written(settings: Settings, school: DemoSchool, doc: str, body: str, writers: list[tuple[int, str]]) -> int:
    """The pair's text, written by ``writers`` (author id, words) from WRITTEN_AT on, published on the
    class blog with its comments open."""

    async def make(store: Store) -> int:
        updates = [
            (update_inserting(words), author, WRITTEN_AT + seq) for seq, (author, words) in enumerate(writers, 1)
        ]
        await store.documents.append_updates(doc, updates)
        post = await store.blog.publish(
            doc_id=doc,
            class_id=school.class_id,
            pair_id=await store.documents.pair_of(doc),
            task_id=await store.tasks.task_of_document(doc),
            title="Le marché",
            body=body,
            state_vector=b"\x00",
            moderated=False,
        )
        await store.blog.set_post_comments_mode(post.id, "immediate")
        return post.id

    return with_store(settings, make)


def school_id(settings: Settings) -> int:
    """The demo school's id."""

    async def find(store: Store) -> int:
        return (await store.schools.ensure_school("Montpellier", "École Jean Macé")).id

    return with_store(settings, find)


def write_text(settings: Settings, doc_id: str, author_id: int, text: str) -> None:
    """``text`` typed into the document by ``author_id``."""

    async def write(store: Store) -> None:
        await store.documents.append_updates(doc_id, [(update_inserting(text), author_id, 0.0)])

    with_store(settings, write)


BODY = "Chaque samedi matin, le marché arrive sur la place du village."


def publish(
    settings: Settings,
    school: DemoSchool,
    *,
    moderated: bool = True,
    doc: str | None = None,
    title: str = "Dictée : le marché du village",
    body: str = BODY,
) -> int:
    """The text of ``doc`` (Léa and Noé's dictation by default) agreed on: a post, the document closed."""

    async def make(store: Store) -> int:
        doc_id = doc or school.lea_doc
        pair_id = await store.documents.pair_of(doc_id)
        post = await store.blog.publish(
            doc_id=doc_id,
            class_id=school.class_id,
            pair_id=pair_id,
            task_id=school.dictation_task_id,
            title=title,
            body=body,
            state_vector=b"\x00",
            moderated=moderated,
        )
        return post.id

    return with_store(settings, make)


def media_files(settings: Settings, school: DemoSchool) -> list[Media]:
    """Every file of the médiathèque the demo school's classes see (their own, their schools' shelves), by id."""

    async def files(store: Store) -> list[Media]:
        found: dict[int, Media] = {}
        for class_id in (school.class_id, school.other_class_id, school.other_school_class_id):
            klass = await store.schools.get_class(class_id)
            assert klass is not None
            found.update((m.id, m) for m in await store.media.list_for_class(class_id, klass.school_id))
        return [found[media_id] for media_id in sorted(found)]

    return with_store(settings, files)


def newest_media(settings: Settings, school: DemoSchool, class_id: int) -> int:
    """The id of the newest file of a class's own."""
    return max(m.id for m in media_files(settings, school) if m.class_id == class_id)


def class_posts(settings: Settings, school: DemoSchool) -> list[Post]:
    """The demo class's posts, submitted ones too, in the order they were made."""

    async def posts(store: Store) -> list[Post]:
        return await store.blog.posts_of_class(school.class_id, with_submitted=True)

    return sorted(with_store(settings, posts), key=lambda post: post.id)


def user_count(settings: Settings) -> int:
    """How many accounts there are."""

    async def count(store: Store) -> int:
        return len(await store.accounts.list_users())

    return with_store(settings, count)


def user_id(settings: Settings, login: str) -> int:
    user = with_store(settings, lambda store: store.accounts.get_user_by_login(login))
    assert user is not None
    return user.id


def class_school(settings: Settings, class_id: int) -> int:
    """The id of the school a class belongs to."""
    klass = with_store(settings, lambda store: store.schools.get_class(class_id))
    assert klass is not None
    return klass.school_id


def class_comments(settings: Settings, school: DemoSchool) -> list[Comment]:
    """Every comment on the demo class's posts, whatever its status, in the order they were written."""

    async def comments(store: Store) -> list[Comment]:
        found = []
        for post in await store.blog.posts_of_class(school.class_id, with_submitted=True):
            found += await store.blog.comments_of_post(post.id)
        return found

    return sorted(with_store(settings, comments), key=lambda comment: comment.id)


def doc_status(settings: Settings, doc_id: str) -> str:
    """A document's status ("open", "locked", "published")."""
    return with_store(settings, lambda store: store.documents.status_of(doc_id)).value
