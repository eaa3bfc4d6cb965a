"""Second drafts ("deuxième jet"): a pair writes again from the text they published.

The new document starts from the published document's whole CRDT state, never from its plain
text (design rule 6, docs/design.md): the pupils' history, authors and all, carries over, and a tablet that
still holds the first draft cannot duplicate it into the second. The new document is linked to
the first (``parent_id``), belongs to the same pair, class and task, and is published by the same
agreement flow.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from collab.errors import Conflict, InvalidInput
from collab.models import DocStatus, Document
from collab.realtime.crdt import build_doc

if TYPE_CHECKING:
    from collab.realtime.hub import Hub
    from collab.store import Store

_DRAFT_SUFFIX = re.compile(r"-j\d+$")
DRAFT_NAMES = {1: "premier jet", 2: "deuxième jet", 3: "troisième jet", 4: "quatrième jet"}


def draft_name(draft: int) -> str:
    return DRAFT_NAMES.get(draft, f"jet n° {draft}")


def draft_id(parent_id: str, draft: int) -> str:
    """``t1-p3`` → ``t1-p3-j2`` → ``t1-p3-j3``: readable, and unique because a document has at
    most one next draft."""
    return f"{_DRAFT_SUFFIX.sub('', parent_id)}-j{draft}"


def draft_title(title: str, draft: int) -> str:
    base = re.sub(r" \((?:\w+ jet|jet n° \d+)\)$", "", title)
    return f"{base} ({draft_name(draft)})"


async def start_next_draft(hub: Hub, parent_id: str) -> Document:
    """The next draft of a published text, created once: asking again gives the same document."""
    # Every update the pupils' partners saw is in the log once flushed (none can arrive now:
    # a published document accepts no more writes).
    await hub.update_log.flush()
    document = await create_next_draft(hub.store, parent_id)
    await hub.document_added(document.id)  # a dashboard watching its task shows it
    return document


async def create_next_draft(store: Store, parent_id: str) -> Document:
    """As ``start_next_draft``, on the store alone (the update log already flushed)."""
    lineage = await store.documents.lineage(parent_id)
    if lineage.child_id is not None:
        return await _document(store, lineage.child_id)
    parent = await store.documents.get_document(parent_id)
    post = await store.blog.post_of_document(parent_id)
    assert parent is not None
    # Published on the blog, not only agreed on: a text waiting for the teacher may still be sent
    # back to the pair, and its annotations may not be finished.
    if parent.status is not DocStatus.PUBLISHED or post is None or not post.published:
        raise InvalidInput("Un deuxième jet part d'un texte publié sur le blog : ce texte ne l'est pas encore.")
    seed = build_doc(await store.documents.load(parent_id)).get_update()
    draft = lineage.draft + 1
    try:
        return await store.documents.create_draft(
            parent_id, draft_id(parent_id, draft), draft_title(parent.title, draft), seed
        )
    except Conflict:  # the partner asked at the same instant
        child_id = (await store.documents.lineage(parent_id)).child_id
        assert child_id is not None
        return await _document(store, child_id)


async def _document(store: Store, doc_id: str) -> Document:
    document = await store.documents.get_document(doc_id)
    assert document is not None
    return document
