"""Demo data and the load-test school, created idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from collab.models import Access, Role
from collab.store import Store

DEMO_DOC = "demo-dictee"


@dataclass(frozen=True)
class DemoSignIn:
    login: str
    display_name: str
    role: Role
    token: str


async def seed_demo(store: Store) -> list[DemoSignIn]:
    """A pair of pupils sharing one document and their teacher (read-only)."""
    lea = await store.accounts.ensure_user("lea.martin", "Léa", Role.PUPIL)
    noe = await store.accounts.ensure_user("noe.bernard", "Noé", Role.PUPIL)
    teacher = await store.accounts.ensure_user("mme.durand", "Mme Durand", Role.TEACHER)
    await store.documents.ensure_document(DEMO_DOC, "Dictée : l'automne")
    await store.documents.set_members(
        DEMO_DOC, [(lea.id, Access.WRITE), (noe.id, Access.WRITE), (teacher.id, Access.READ)]
    )
    out = []
    for user in (lea, noe, teacher):
        token = await store.accounts.create_token(user.id, label="demo")
        out.append(DemoSignIn(user.login, user.display_name, user.role, token))
    return out


@dataclass(frozen=True)
class LoadTestPair:
    doc: str
    token_a: str
    token_b: str
    token_observer: str


PAIRS_PER_OBSERVER = 15
LOADTEST_LABEL = "loadtest"


async def setup_load_test(store: Store, pairs: int) -> list[LoadTestPair]:
    """N pairs with one writable document each, and a read-only observer per 15 pairs.

    Running it again keeps the accounts and documents and hands out fresh tokens
    (the previous load-test tokens are revoked).
    """
    await store.accounts.revoke_tokens_with_label(LOADTEST_LABEL)
    out: list[LoadTestPair] = []
    observer: tuple[int, str] | None = None
    for i in range(pairs):
        if i % PAIRS_PER_OBSERVER == 0:
            group = i // PAIRS_PER_OBSERVER
            user = await store.accounts.ensure_user(f"lt-observer-{group:04d}", f"Observateur {group}", Role.OBSERVER)
            observer = (user.id, await store.accounts.create_token(user.id, label=LOADTEST_LABEL))
        assert observer is not None
        a = await store.accounts.ensure_user(f"lt-p{i:05d}-a", f"Élève {i}A", Role.PUPIL)
        b = await store.accounts.ensure_user(f"lt-p{i:05d}-b", f"Élève {i}B", Role.PUPIL)
        doc_id = f"lt-doc-{i:05d}"
        await store.documents.ensure_document(doc_id, f"Test de charge {i}")
        await store.documents.set_members(
            doc_id, [(a.id, Access.WRITE), (b.id, Access.WRITE), (observer[0], Access.READ)]
        )
        out.append(
            LoadTestPair(
                doc=doc_id,
                token_a=await store.accounts.create_token(a.id, label=LOADTEST_LABEL),
                token_b=await store.accounts.create_token(b.id, label=LOADTEST_LABEL),
                token_observer=observer[1],
            )
        )
    return out
