"""Demo data and the load-test school, created idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio
from argon2 import PasswordHasher

from collab.accounts.passwords import hash_password
from collab.accounts.sign_in import picture_names, random_pictures
from collab.demo import dictation as demo_dictation
from collab.demo.followup import seed_follow_up
from collab.mediatheque.files import MediaLibrary
from collab.models import Access, NewGroup, Role, SchoolClass, User
from collab.store import Store
from collab.store.tasks import document_id

DEMO_AUDIO = Path(__file__).resolve().parents[2] / "demo" / demo_dictation.AUDIO_FILE
DEMO_SCHOOL_YEAR = "2026-2027"
DEMO_PASSWORDS = {
    "mme.durand": "tableau-vert",
    "p.martin": "cahier-rouge",
    "s.bernard": "cartable-bleu",
    "admin.jeanmace": "registre-jaune",
}

# 24 pupils of a CM1-CM2 class; consecutive names make the 12 pairs (Léa and Noé first).
DEMO_PUPILS = [
    ("lea.martin", "Léa"),
    ("noe.bernard", "Noé"),
    ("ines.petit", "Inès"),
    ("hugo.durand", "Hugo"),
    ("jade.leroy", "Jade"),
    ("louis.moreau", "Louis"),
    ("chloe.simon", "Chloé"),
    ("gabriel.laurent", "Gabriel"),
    ("zoe.michel", "Zoé"),
    ("adam.garcia", "Adam"),
    ("lina.david", "Lina"),
    ("arthur.bertrand", "Arthur"),
    ("mila.roux", "Mila"),
    ("raphael.vincent", "Raphaël"),
    ("rose.fournier", "Rose"),
    ("jules.morel", "Jules"),
    ("anna.girard", "Anna"),
    ("lucas.andre", "Lucas"),
    ("lou.mercier", "Lou"),
    ("ethan.blanc", "Ethan"),
    ("alice.guerin", "Alice"),
    ("nathan.boyer", "Nathan"),
    ("emma.rousseau", "Emma"),
    ("sacha.henry", "Sacha"),
]


@dataclass(frozen=True)
class DemoSignIn:
    display_name: str
    role: Role
    how: str  # how to sign in, in French


@dataclass(frozen=True)
class Demo:
    class_code: str
    sign_ins: list[DemoSignIn]
    doc: str  # Léa and Noé's dictation
    lea_login: str  # for ``collab token``: a y-websocket client outside the browser


async def seed_demo(store: Store, library: MediaLibrary, hasher: PasswordHasher, *, after_lesson: bool = False) -> Demo:
    """École Jean Macé: a CM1-CM2 class of 24 pupils in 12 pairs, its teacher, two parents and
    the school's administrator (their passwords hashed by ``hasher``); a spoken dictation in the
    médiathèque, a dictation task and a free-writing task for every pair; ``after_lesson`` adds
    what pairs 8 to 12 wrote and the teacher's follow-up (``collab.demo.followup``). Running it
    again changes nothing."""
    school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
    klass = await store.schools.ensure_class(school.id, "CM1-CM2 Durand", "CM1-CM2", DEMO_SCHOOL_YEAR)
    pupils = []
    for login, name in DEMO_PUPILS:
        pupil = await store.accounts.ensure_user(login, name, Role.PUPIL)
        await store.schools.add_pupil(klass.id, pupil.id)
        if (await store.accounts.get_credentials(pupil.id)).pictures is None:
            await store.accounts.set_pictures(pupil.id, random_pictures())
        pupils.append(pupil)
    teacher = await store.accounts.ensure_user("mme.durand", "Mme Durand", Role.TEACHER)
    await store.schools.add_teacher(klass.id, teacher.id)
    parent_lea = await store.accounts.ensure_user("p.martin", "Pierre Martin", Role.PARENT)
    parent_noe = await store.accounts.ensure_user("s.bernard", "Sophie Bernard", Role.PARENT)
    await store.schools.link_parent(parent_lea.id, pupils[0].id)
    await store.schools.link_parent(parent_noe.id, pupils[1].id)
    admin = await store.accounts.ensure_user("admin.jeanmace", "Administration Jean Macé", Role.ADMIN)
    await store.schools.add_admin_scope(admin.id, school_id=school.id)
    for user in (teacher, parent_lea, parent_noe, admin):
        if (await store.accounts.get_credentials(user.id)).password_hash is None:
            await store.accounts.set_password_hash(user.id, hash_password(hasher, DEMO_PASSWORDS[user.login]))
    pairs = await store.pairs.current_pairs(klass.id)
    if not pairs:
        pairs = await store.pairs.arrange(klass.id, [[pupils[i].id, pupils[i + 1].id] for i in range(0, 24, 2)])
    dictation_id = await _seed_tasks(store, library, klass, teacher, [p.id for p in pairs])
    if after_lesson:
        await seed_follow_up(store, klass, teacher, pairs)

    sign_ins = []
    for pupil in pupils[:2]:
        pictures = (await store.accounts.get_credentials(pupil.id)).pictures or ()
        sign_ins.append(
            DemoSignIn(
                pupil.display_name,
                Role.PUPIL,
                "code " + klass.code + ", images : " + ", ".join(picture_names(pictures)),
            )
        )
    for user in (teacher, parent_lea, parent_noe, admin):
        sign_ins.append(DemoSignIn(user.display_name, user.role, f"{user.login} / {DEMO_PASSWORDS[user.login]}"))
    # Earlier versions printed a new bearer token at every start: those are revoked.
    await store.accounts.revoke_tokens_with_label("demo")
    return Demo(
        class_code=klass.code, sign_ins=sign_ins, doc=document_id(dictation_id, pairs[0].id), lea_login=pupils[0].login
    )


async def _seed_tasks(
    store: Store, library: MediaLibrary, klass: SchoolClass, teacher: User, pair_ids: list[int]
) -> int:
    """The class's two demo tasks (once); returns the dictation's id."""
    existing = await store.tasks.list_for_class(klass.id)
    if existing:
        return next(t.id for t in existing if t.kind == "dictation")
    async with await anyio.open_file(DEMO_AUDIO, "rb") as audio:
        stored = await library.store(audio)
    media = await store.media.add(
        stored, school_id=klass.school_id, class_id=klass.id, name=demo_dictation.TITLE, uploaded_by=teacher.id
    )
    tasks = (
        (
            "free",
            demo_dictation.PORTRAIT_TITLE,
            NewGroup("A", demo_dictation.PORTRAIT_INSTRUCTIONS, None, "", pair_ids),
        ),
        (
            "dictation",
            demo_dictation.TITLE,
            NewGroup("A", demo_dictation.INSTRUCTIONS, media.id, demo_dictation.REFERENCE, pair_ids),
        ),
    )
    created = [
        await store.tasks.create(
            class_id=klass.id,
            kind=kind,
            title=title,
            opens_at=None,
            closes_at=None,
            created_by=teacher.id,
            groups=[group],
        )
        for kind, title, group in tasks
    ]
    return created[-1]


@dataclass(frozen=True)
class LoadTestPair:
    doc: str
    token_a: str
    token_b: str
    token_observer: str
    task: int  # the class's task, for a dashboard feed (/ws/tableau/{task})
    token_teacher: str  # the class's teacher: may watch that feed


PAIRS_PER_OBSERVER = 15
LOADTEST_LABEL = "loadtest"


async def setup_load_test(store: Store, pairs: int) -> list[LoadTestPair]:
    """A separate load-test school: classes of 15 pairs, one writable document per pair, and
    per class a read-only observer account (it reads every document of its class), a teacher and
    a task grouping the class's documents (for the dashboard benchmark).

    Running it again keeps the accounts and documents and hands out fresh tokens
    (the previous load-test tokens are revoked).
    """
    await store.accounts.revoke_tokens_with_label(LOADTEST_LABEL)
    school = await store.schools.ensure_school("Test de charge", "École de test de charge")
    out: list[LoadTestPair] = []
    for group_start in range(0, pairs, PAIRS_PER_OBSERVER):
        group = group_start // PAIRS_PER_OBSERVER
        klass = await store.schools.ensure_class(school.id, f"Classe de test {group:04d}", "CM2", "test")
        observer = await store.accounts.ensure_user(f"lt-observer-{group:04d}", f"Observateur {group}", Role.OBSERVER)
        observer_token = await store.accounts.create_token(observer.id, label=LOADTEST_LABEL)
        teacher = await store.accounts.ensure_user(f"lt-teacher-{group:04d}", f"Enseignant {group}", Role.TEACHER)
        await store.schools.add_teacher(klass.id, teacher.id)
        teacher_token = await store.accounts.create_token(teacher.id, label=LOADTEST_LABEL)
        members = []
        for i in range(group_start, min(pairs, group_start + PAIRS_PER_OBSERVER)):
            a = await store.accounts.ensure_user(f"lt-p{i:05d}-a", f"Élève {i}A", Role.PUPIL)
            b = await store.accounts.ensure_user(f"lt-p{i:05d}-b", f"Élève {i}B", Role.PUPIL)
            members.append((i, a, b))
            for pupil in (a, b):
                await store.schools.add_pupil(klass.id, pupil.id)
        class_pairs = await store.pairs.arrange(klass.id, [[a.id, b.id] for _, a, b in members])
        documents = []
        for (i, _, _), pair in zip(members, class_pairs, strict=True):
            doc_id = f"lt-doc-{i:05d}"
            await store.documents.ensure_document(doc_id, f"Test de charge {i}", class_id=klass.id, pair_id=pair.id)
            await store.documents.set_members(doc_id, [(observer.id, Access.READ)])
            documents.append((pair.id, doc_id))
        task_id = await _load_test_task(store, klass.id, teacher.id, documents)
        for (_, a, b), (_, doc_id) in zip(members, documents, strict=True):
            out.append(
                LoadTestPair(
                    doc=doc_id,
                    token_a=await store.accounts.create_token(a.id, label=LOADTEST_LABEL),
                    token_b=await store.accounts.create_token(b.id, label=LOADTEST_LABEL),
                    token_observer=observer_token,
                    task=task_id,
                    token_teacher=teacher_token,
                )
            )
    return out


async def _load_test_task(store: Store, class_id: int, teacher_id: int, documents: list[tuple[int, str]]) -> int:
    """The class's load-test task, made once; a class that grew gets a new one."""
    for task in await store.tasks.list_for_class(class_id):
        if {d.doc_id for d in await store.tasks.documents(task.id)} == {doc for _, doc in documents}:
            return task.id
    return await store.tasks.adopt(
        class_id=class_id,
        title="Test de charge",
        reference=demo_dictation.REFERENCE,  # so that dashboards also measure the dictation progress
        created_by=teacher_id,
        documents=documents,
    )
