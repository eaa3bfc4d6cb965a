"""The teacher's follow-up of a task: each pair's text with its correction, annotations and
score, as the follow-up pages, the pupils' correction page and the exports show them.

The correction itself is pure (``collab.correction.correct``); here it meets what the teacher decided
(accepted spellings, overrides, the marking scheme) and the texts' places (post or document).
The first correction loads the French lexicon (about a second): it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from collab.correction.correct import Category, Correction, CorrectionError, correct
from collab.followup.marking import Score, apply_overrides, decision_of, score
from collab.models import Annotation, Pair, Post, Task, TaskGroup, TeacherComment
from collab.people import pair_authors
from collab.states import TextState, text_state
from collab.words import join_list

if TYPE_CHECKING:
    from collab.realtime.hub import Hub

#: The categories as the pages name them, for teachers, pupils and families.
CATEGORY_NAMES = {
    Category.PUNCTUATION.value: "ponctuation",
    Category.CAPITAL.value: "majuscule",
    Category.ACCENT.value: "accent",
    Category.SEGMENTATION.value: "découpage des mots",
    Category.AGREEMENT.value: "accord",
    Category.HOMOPHONE.value: "homophone",
    Category.LEXICAL.value: "orthographe du mot",
    Category.OMISSION.value: "mot oublié",
    Category.ADDITION.value: "mot en trop",
}
DETAIL_NAMES = {
    "noun_group": "accord dans le groupe nominal",
    "subject_verb": "accord du verbe avec le sujet",
    "past_participle": "accord du participe passé",
    "e_er_ez": "-é, -er ou -ez ?",
    "apostrophe": "apostrophe",
    "hyphen": "trait d'union",
    "split": "mot coupé en deux",
    "merge": "mots collés",
    "word_order": "mots inversés",
    "boundary": "mots mal coupés",
    "not_in_lexicon": "mot absent du lexique",
}
MARKING_NAMES = {
    "counts": "nombre d'erreurs par catégorie",
    "classic": "barème classique (½ faute pour accents, majuscules, traits d'union ; une faute par mot au plus)",
    "weighted": "barème pondéré (½ pour ponctuation, majuscule, accent, découpage ; 1 pour le reste)",
}


def error_label(category: str, detail: str | None = None) -> str:
    """One name for an error that never says a word twice: « accord du participe passé » (not
    « accord, accord du participe passé »), « découpage des mots (apostrophe) », « homophone »."""
    name = CATEGORY_NAMES.get(category, category)
    precise = DETAIL_NAMES.get(detail or "")
    if precise is None:
        return name
    return precise if precise.startswith(name) else f"{name} ({precise})"


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the text and what covers it: errors and annotations (by index); an empty
    stretch stands where something is missing (an omission)."""

    text: str
    start: int
    errors: tuple[int, ...] = ()
    notes: tuple[int, ...] = ()


@dataclass
class Production:
    """One pair's text of a task, with everything the teacher put on it."""

    doc_id: str
    title: str
    draft: int
    pair_number: int
    members: list[dict[str, object]]
    status: TextState  # its label is what every page says of it
    text: str
    post: Post | None
    group: str  # the pair's group in the task ("A", "B"…: each may have its own dictation)
    reference: str
    correction: Correction | None
    automatic: Correction | None  # before the teacher's overrides
    score: Score | None
    annotations: list[Annotation]
    comment: TeacherComment | None
    parent_id: str | None
    child_id: str | None
    #: The teacher's decisions, by span and automatic category: a category, or None for "not a mistake".
    decisions: dict[tuple[int, int, str], str | None] = field(default_factory=dict)
    #: The annotations found in the text as it is now (``Piece.notes`` indexes these).
    placed: list[Annotation] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)

    def decision(self, error: CorrectionError) -> tuple[bool, str | None]:
        """Whether the teacher decided about this automatic error, and what (None: not a mistake)."""
        return decision_of(error, self.decisions)

    @property
    def names(self) -> str:
        return join_list(m["name"] for m in self.members)


def pieces(text: str, errors: Sequence[CorrectionError], notes: Sequence[Annotation]) -> list[Piece]:
    """Cut ``text`` where an error or an annotation starts or ends."""
    spans = [(e.start, e.end) for e in errors] + [(n.start, n.end) for n in notes]
    cuts = sorted({0, len(text), *(min(max(p, 0), len(text)) for span in spans for p in span)})
    out: list[Piece] = []
    for left, right in zip(cuts, [*cuts[1:], None], strict=True):
        missing = tuple(i for i, e in enumerate(errors) if e.start == e.end == left)
        if missing:
            out.append(Piece("", left, errors=missing))
        if right is None:
            break
        covering = tuple(i for i, e in enumerate(errors) if e.start <= left and right <= e.end and e.start < e.end)
        noted = tuple(i for i, n in enumerate(notes) if n.start <= left and right <= n.end and n.start < n.end)
        out.append(Piece(text[left:right], left, covering, noted))
    return out


def anchored(text: str, notes: Sequence[Annotation]) -> list[Annotation]:
    """The annotations where their words are now: a text still being written moves them, so each
    goes to the occurrence of its words nearest to where it was put; one whose words are gone is
    left out of the text (its list entry stays)."""
    placed: list[Annotation] = []
    for note in notes:
        if text[note.start : note.end] == note.quote:
            placed.append(note)
            continue
        found = [m.start() for m in re.finditer(re.escape(note.quote), text)] if note.quote else []
        if found:
            start = min(found, key=lambda at: abs(at - note.start))
            placed.append(replace(note, start=start, end=start + len(note.quote)))
    return placed


@dataclass(frozen=True)
class TaskMarking:
    """What a task's texts are corrected and marked with, read once for all of them."""

    marking: str
    accepted: list[tuple[str, str]]
    pairs: dict[int, Pair]


async def task_marking(hub: Hub, task: Task) -> TaskMarking:
    store = hub.store
    return TaskMarking(
        marking=await store.follow_up.marking(task.id),
        accepted=await store.follow_up.accepted_variants(task.id),
        pairs={p.id: p for p in await store.pairs.pairs_of_class(task.class_id)},
    )


async def production(
    hub: Hub, doc_id: str, task: Task | None, group: TaskGroup | None, marking: TaskMarking | None = None
) -> Production:
    """One text with its correction (for a dictation) and the teacher's annotations."""
    store = hub.store
    if marking is None:
        marking = await task_marking(hub, task) if task is not None else TaskMarking("counts", [], {})
    document = await store.documents.get_document(doc_id)
    assert document is not None
    post = await store.blog.post_of_document(doc_id)
    if post is not None:
        text = post.body
    else:
        text = await hub.current_text(doc_id)
    pair_id = await store.documents.pair_of(doc_id)
    pair = marking.pairs.get(pair_id) if pair_id is not None else None
    if pair is None and pair_id is not None:  # a text outside any task: its pair is not preloaded
        pair = await store.pairs.get_pair(pair_id)
    reference = group.reference_text if task is not None and group is not None and task.kind == "dictation" else ""
    automatic = corrected = marked = None
    decisions: dict[tuple[int, int, str], str | None] = {}
    if reference and text.strip():  # nothing written yet: nothing to correct
        automatic = await asyncio.to_thread(correct, reference, text, marking.accepted)
        decisions = await store.follow_up.overrides(doc_id)
        corrected = apply_overrides(automatic, decisions)
        marked = score(corrected, marking.marking)
    lineage = await store.documents.lineage(doc_id)
    notes = await store.follow_up.annotations(doc_id)
    result = Production(
        doc_id=doc_id,
        title=document.title,
        draft=lineage.draft,
        pair_number=pair.number if pair is not None else 0,
        members=pair_authors(pair),
        status=text_state((await store.tasks.text_facts([doc_id]))[doc_id], time.time()),
        text=text,
        post=post,
        group=group.label if group is not None else "",
        reference=reference,
        correction=corrected,
        automatic=automatic,
        score=marked,
        annotations=notes,
        comment=await store.follow_up.comment(doc_id),
        parent_id=lineage.parent_id,
        child_id=lineage.child_id,
        decisions=decisions,
    )
    result.placed = anchored(text, notes)
    result.pieces = pieces(text, corrected.errors if corrected is not None else [], result.placed)
    return result


async def productions(hub: Hub, task: Task, marking: TaskMarking | None = None) -> list[Production]:
    """Every pair's text of a task, each followed by its later drafts."""
    groups = {g.id: g for g in task.groups}
    marking = marking or await task_marking(hub, task)
    return [
        await production(hub, document.doc_id, task, groups[document.group_id], marking)
        for document in await hub.store.tasks.documents(task.id)
    ]


def references(items: Sequence[Production]) -> list[tuple[str, str]]:
    """The task's dictation texts, one per group that has its own: (group, text)."""
    seen: dict[str, str] = {}
    for item in items:
        if item.reference and item.reference not in seen.values():
            seen.setdefault(item.group, item.reference)
    return list(seen.items())


def class_profile(items: Sequence[Production]) -> tuple[Counter[str], int]:
    """Errors per category over the class's corrected first drafts, and how many texts that is."""
    total: Counter[str] = Counter({category.value: 0 for category in Category})
    texts = 0
    for item in items:
        if item.correction is not None and item.draft == 1 and item.text.strip():
            total.update({k: v for k, v in item.correction.counts.items() if v})
            texts += 1
    return total, texts
