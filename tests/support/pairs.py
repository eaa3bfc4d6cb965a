"""Two writers, a reader and an outsider on a document: the real-time tests' smallest class."""

from __future__ import annotations

from dataclasses import dataclass, field

from collab.models import Access, Role
from collab.settings import Settings
from collab.store import Store


@dataclass
class Pair:
    doc: str
    token_a: str
    token_b: str
    token_reader: str
    token_outsider: str
    other_doc: str = ""
    extra: dict[str, str] = field(default_factory=dict)


async def seed_pair(settings: Settings, doc: str = "doc-1") -> Pair:
    """Two writers and a reader on ``doc``; an outsider who writes another document."""
    store = await Store.open(settings.store_target)
    try:
        a = await store.accounts.ensure_user(f"{doc}-a", "Léa", Role.PUPIL)
        b = await store.accounts.ensure_user(f"{doc}-b", "Noé", Role.PUPIL)
        reader = await store.accounts.ensure_user(f"{doc}-teacher", "Mme Durand", Role.TEACHER)
        outsider = await store.accounts.ensure_user(f"{doc}-other", "Zoé", Role.PUPIL)
        await store.documents.ensure_document(doc, "Dictée")
        await store.documents.set_members(doc, [(a.id, Access.WRITE), (b.id, Access.WRITE), (reader.id, Access.READ)])
        other = f"{doc}-other-doc"
        await store.documents.ensure_document(other, "Autre texte")
        await store.documents.set_members(other, [(outsider.id, Access.WRITE)])
        return Pair(
            doc=doc,
            token_a=await store.accounts.create_token(a.id),
            token_b=await store.accounts.create_token(b.id),
            token_reader=await store.accounts.create_token(reader.id),
            token_outsider=await store.accounts.create_token(outsider.id),
            other_doc=other,
        )
    finally:
        await store.close()
