"""The demo class after the lesson: some pairs' dictations published (with the mistakes pupils
really make), one waiting for the teacher, and a portrait written in two drafts with the
teacher's annotations and comment, so that the follow-up, the blog and the exports have
something to show from the first ``make run``.

Texts are typed into real CRDT documents, word by word, by the pair's two pupils in turn (the
replay shows who wrote what); the second draft starts from the first one's CRDT state. Pairs 1
to 7 are left untouched, for live demonstrations.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pycrdt import Doc, Text

from collab.models import DocStatus, Pair, SchoolClass, User
from collab.realtime.crdt import TEXT_NAME, build_doc
from collab.store import Store
from collab.store.tasks import document_id
from collab.writing.drafts import create_next_draft

#: (pair number, the text the pair agreed on, published at once?)
DICTATIONS: tuple[tuple[int, list[tuple[str, str]], bool], ...] = (
    (
        8,
        [
            ("le marché s'installe", "le marcher s'installe"),
            ("Les marchands arrivent", "Les marchands arrive"),
            ("leurs camions", "leur camions"),
            ("les plus belles pommes", "les plus belle pommes"),
            ("morceau à goûter", "morceau a goûter"),
            ("À midi", "A midi"),
        ],
        True,
    ),
    (
        9,
        [
            ("grand-mère", "grand mère"),
            ("brillants posés", "brillant posé"),
            ("fromagère, qui", "fromagère qui"),
            ("très tôt", "très tot"),
        ],
        True,
    ),
    (
        10,
        [
            ("Chaque samedi", "chaque samedi"),
            ("s'installe", "sinstalle"),
            ("parfois un", "parfois un tout"),
            ("les paniers pleins", "les paniers plein"),
        ],
        True,
    ),
    (
        11,
        [("choisit toujours", "choisi toujours"), ("Elle discute", "Elle discutes"), ("et le ventre", "est le ventre")],
        False,  # waits in the teacher's moderation queue
    ),
)

PORTRAIT_PAIR = 12
PORTRAIT_FIRST = (
    "{name} est une fille de dix ans. Elle a des cheveux noir et frisés, et des yeux marron. "
    "Elle porte souvent un pull rouge. Elle est grande et elle cour très vite."
)
#: What the pair changes for the second draft, after the teacher's annotations: (old, new).
PORTRAIT_CHANGES = (
    ("cheveux noir", "cheveux noirs"),
    ("elle cour très vite", "elle court très vite"),
)
PORTRAIT_ADDED = (
    " {name} est joyeuse et généreuse : elle prête toujours ses feutres. "
    "Elle adore les blagues et elle rit si fort que toute la classe rit avec elle."
)
PORTRAIT_ANNOTATIONS = (
    ("cheveux noir", "accord_gn", "« cheveux » est au pluriel : l'adjectif aussi."),
    ("cour", "accord_verbe", "Le verbe courir : elle court."),
)
PORTRAIT_COMMENT = (
    "Un beau portrait physique, bien construit ! Pour le deuxième jet : corrigez les deux mots "
    "soulignés, puis ajoutez le portrait moral de {name} (son caractère, ce qu'elle aime)."
)
COMMENT_DICTATION = "Bonne écoute ! Relisez les accords dans le groupe nominal : « les plus belles pommes »."
#: The lesson took place the day before the demo was seeded.
LESSON_AGO = 24 * 3600.0


class Typist:
    """Types into a document as a pair would: word after word, the two pupils in turn."""

    def __init__(self, doc: Doc[Any], authors: Sequence[User], start: float) -> None:
        self.doc = doc
        self.text = doc.get(TEXT_NAME, type=Text)
        self.authors = authors
        self.at = start
        self.updates: list[tuple[bytes, int | None, float]] = []

    def _record(self, author: User) -> None:
        self.at += 2.5
        self.updates.append((self.doc.get_update(self._before), author.id, self.at))

    def type(self, words: str, turn: int) -> None:
        """Append ``words`` (each word one update), typed by the pupil whose turn it is."""
        author = self.authors[turn % len(self.authors)]
        for chunk in _chunks(words):
            self._before = self.doc.get_state()
            self.text += chunk
            self._record(author)

    def replace(self, old: str, new: str, turn: int) -> None:
        """Change the first ``old`` into ``new`` (an edit in the middle: delete, then insert)."""
        author = self.authors[turn % len(self.authors)]
        current = str(self.text)
        start = len(current[: current.index(old)].encode("utf-8"))  # pycrdt counts UTF-8 bytes
        self._before = self.doc.get_state()
        with self.doc.transaction():
            del self.text[start : start + len(old.encode("utf-8"))]
            self.text.insert(start, new)
        self._record(author)


def _chunks(words: str) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words.split(" ")):
        out.append(word if i == 0 else " " + word)
    return [c for c in out if c]


def _with_mistakes(reference: str, changes: Sequence[tuple[str, str]]) -> str:
    text = reference
    for right, wrong in changes:
        assert right in text, right
        text = text.replace(right, wrong, 1)
    return text


async def seed_follow_up(store: Store, klass: SchoolClass, teacher: User, pairs: Sequence[Pair]) -> None:
    """Once: published dictations, one waiting, and the portrait in two drafts."""
    tasks = await store.tasks.list_for_class(klass.id)
    dictation = next(t for t in tasks if t.kind == "dictation")
    portrait = next(t for t in tasks if t.kind == "free")
    if await store.blog.posts_of_class(klass.id, with_submitted=True):
        return
    by_number = {p.number: p for p in pairs}
    start = time.time() - LESSON_AGO
    for number, changes, at_once in DICTATIONS:
        pair = by_number[number]
        body = _with_mistakes(dictation.groups[0].reference_text, changes)
        typist = Typist(Doc(), pair.members, start + number * 7)
        for turn, line in enumerate(body.split(". ")):
            typist.type(line + (". " if not line.endswith(".") else ""), turn)
        doc_id = document_id(dictation.id, pair.id)
        await _publish(store, klass, pair, dictation.id, doc_id, dictation.title, typist, moderated=not at_once)
    await store.follow_up.accept_variant(dictation.id, "À", "A")  # many teachers accept a capital without accent
    first = document_id(dictation.id, by_number[8].id)
    await store.follow_up.set_comment(first, COMMENT_DICTATION, teacher.id)
    await _portrait(store, klass, teacher, by_number[PORTRAIT_PAIR], portrait.id, portrait.title, start)


async def _publish(
    store: Store,
    klass: SchoolClass,
    pair: Pair,
    task_id: int,
    doc_id: str,
    title: str,
    typist: Typist,
    *,
    moderated: bool,
) -> None:
    await store.documents.append_updates(doc_id, typist.updates)
    await store.blog.publish(
        doc_id=doc_id,
        class_id=klass.id,
        pair_id=pair.id,
        task_id=task_id,
        title=title,
        body=str(typist.text),
        state_vector=typist.doc.get_state(),
        moderated=moderated,
    )


async def _portrait(
    store: Store, klass: SchoolClass, teacher: User, pair: Pair, task_id: int, title: str, start: float
) -> None:
    doc_id = document_id(task_id, pair.id)
    name = pair.members[0].display_name  # Emma, in the demo class
    first_text = PORTRAIT_FIRST.format(name=name)
    typist = Typist(Doc(), pair.members, start + 3600)
    for turn, sentence in enumerate(first_text.split(". ")):
        typist.type(sentence + (". " if not sentence.endswith(".") else ""), turn)
    await _publish(store, klass, pair, task_id, doc_id, title, typist, moderated=False)
    for quote, kind, note in PORTRAIT_ANNOTATIONS:
        at = first_text.index(quote)
        await store.follow_up.annotate(doc_id, at, at + len(quote), quote, kind, note, teacher.id)
    await store.follow_up.set_comment(doc_id, PORTRAIT_COMMENT.format(name=name), teacher.id)
    # The teacher sends it back; the pair rewrites it a week later, from the first draft's state.
    second = await create_next_draft(store, doc_id)
    again = Typist(build_doc(await store.documents.load(second.id)), pair.members, start + 7 * 24 * 3600)
    for turn, (old, new) in enumerate(PORTRAIT_CHANGES):
        again.replace(old, new, turn)
    again.type(PORTRAIT_ADDED.format(name=name), 1)
    await _publish(store, klass, pair, task_id, second.id, second.title, again, moderated=False)
    assert (await store.documents.status_of(second.id)) is DocStatus.PUBLISHED
