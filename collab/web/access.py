"""Who is asking and what they may see: the one loader of every view.

A view asks once — ``await load_class(request, Action.MANAGE_CLASS, form)``, ``load_task``,
``load_document``, ``load_media``, ``load_school``, ``load_pupil``, ``load_commune`` — and gets a
small typed object: the asker (session, store, the facts the policy reads, loaded once) and the
thing in the URL, loaded from the database. The rules stay in :mod:`collab.policy`; this module
only loads facts and asks it. The order is always the same: who is asking (401), the form's CSRF
token (403), the thing asked for (404 when it does not exist), the policy (403, or 404 where the
thing must not even be hinted at).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request

from collab.errors import Locked, NotFound
from collab.models import (
    Access,
    ClassTarget,
    CommuneTarget,
    DocumentTarget,
    Media,
    MediaTarget,
    Principal,
    PupilTarget,
    Role,
    School,
    SchoolClass,
    SchoolTarget,
    Session,
    Task,
    User,
)
from collab.policy import Action, Target, can, document_access, require
from collab.store import Store
from collab.web.auth import CSRF_FIELD, SIGN_IN_CSRF_COOKIE, check_csrf, require_session
from collab.web.pages import path_id, store_of

#: Document ids are short (``d`` and a few characters); a longer one cannot exist.
MAX_DOC_ID = 100


class Asker:
    """The signed-in session and the store; the facts the policy reads about them (their
    classes, pairs, schools) are loaded once, when a rule first needs them."""

    __slots__ = ("_principal", "session", "store")

    def __init__(self, session: Session, store: Store) -> None:
        self.session = session
        self.store = store
        self._principal: Principal | None = None

    @property
    def user(self) -> User:
        return self.session.user

    async def principal(self) -> Principal:
        if self._principal is None:
            self._principal = await self.store.accounts.load_principal(self.session.user)
        return self._principal

    async def require(self, action: Action, target: Target) -> None:
        """Forbidden (403) unless the policy lets them do ``action`` on ``target``."""
        require(await self.principal(), action, target)

    async def can(self, action: Action, target: Target) -> bool:
        return can(await self.principal(), action, target)


# -- forms: the one CSRF path ------------------------------------------------------------------


def check_form(conn: HTTPConnection, form: FormData, asker: Asker | None) -> None:
    """The CSRF token of a posted form: the session's once signed in; before sign-in (``asker``
    None), the random token of the browser's sign-in cookie (double submit). 403 otherwise."""
    expected = asker.session.csrf_token if asker is not None else conn.cookies.get(SIGN_IN_CSRF_COOKIE)
    check_csrf(form.get(CSRF_FIELD), expected)


def check_header(conn: HTTPConnection, asker: Asker) -> None:
    """The CSRF token of a script's request (JSON, not a form): the ``X-CSRF-Token`` header."""
    check_csrf(conn.headers.get("x-csrf-token"), asker.session.csrf_token)


async def sign_in_form(request: Request) -> FormData:
    """A form posted before sign-in, its token checked against the sign-in cookie."""
    form = await request.form()
    check_form(request, form, None)
    return form


async def signed_in(request: HTTPConnection, form: FormData | None = None) -> Asker:
    """Who is asking (NotSignedIn, 401, without a session); with ``form``, its CSRF token checked."""
    store = store_of(request)
    asker = Asker(await require_session(store, request), store)
    if form is not None:
        check_form(request, form, asker)
    return asker


async def posted(request: Request) -> tuple[Asker, FormData]:
    """A form posted by the signed-in user, its CSRF token checked."""
    form = await request.form()
    return await signed_in(request, form), form


# -- a class, a school, a commune, a pupil -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnClass:
    asker: Asker
    klass: SchoolClass
    pupils: list[User]

    @property
    def session(self) -> Session:
        return self.asker.session

    @property
    def store(self) -> Store:
        return self.asker.store

    def pupil(self, raw_id: object) -> User:
        """The pupil of this class with that id, or 404 (forged or foreign ids)."""
        try:
            wanted = int(str(raw_id))
        except ValueError as exc:
            raise NotFound("no such pupil") from exc
        for pupil in self.pupils:
            if pupil.id == wanted:
                return pupil
        raise NotFound(f"pupil {wanted} is not in class {self.klass.id}")


async def class_for(asker: Asker, class_id: int, action: Action) -> SchoolClass:
    """The class, on which ``asker`` may do ``action`` (404 if it does not exist, 403 otherwise)."""
    klass = await asker.store.schools.get_class(class_id)
    if klass is None:
        raise NotFound(f"no class {class_id}")
    await asker.require(action, ClassTarget.of(klass))
    return klass


async def load_class(request: Request, action: Action = Action.MANAGE_CLASS, form: FormData | None = None) -> OnClass:
    """The class of the URL (``class_id``) and its pupils, for ``action``."""
    asker = await signed_in(request, form)
    klass = await class_for(asker, path_id(request, "class_id"), action)
    return OnClass(asker, klass, await asker.store.schools.list_pupils(klass.id))


@dataclass(frozen=True, slots=True)
class OnSchool:
    asker: Asker
    school: School

    @property
    def session(self) -> Session:
        return self.asker.session

    @property
    def store(self) -> Store:
        return self.asker.store

    async def school_class(self, raw_id: object) -> SchoolClass:
        """A class of this school, or 404 (forged ids, another school's class)."""
        try:
            class_id = int(str(raw_id))
        except ValueError as exc:
            raise NotFound("no such class") from exc
        klass = await self.store.schools.get_class(class_id)
        if klass is None or klass.school_id != self.school.id:
            raise NotFound(f"class {class_id} is not in school {self.school.id}")
        return klass


async def load_school(request: Request, form: FormData | None = None) -> OnSchool:
    """The school of the URL (``school_id``), which the asker administers."""
    asker = await signed_in(request, form)
    school = await asker.store.schools.get_school(path_id(request, "school_id"))
    if school is None:
        raise NotFound("no such school")
    await asker.require(Action.MANAGE_SCHOOL, SchoolTarget(school.id))
    return OnSchool(asker, school)


async def load_commune(request: Request, form: FormData) -> tuple[Asker, str]:
    """The commune of the URL (``commune_id``), which the asker administers: its name."""
    asker = await signed_in(request, form)
    commune_id = path_id(request, "commune_id")
    commune = await asker.store.schools.commune_name(commune_id)
    if commune is None:
        raise NotFound("no such commune")
    await asker.require(Action.MANAGE_COMMUNE, CommuneTarget(commune_id))
    return asker, commune


async def load_pupil(request: Request, form: FormData | None = None) -> tuple[Asker, User]:
    """The pupil of the URL (``pupil_id``), whose data (RGPD) the asker manages."""
    asker = await signed_in(request, form)
    pupil = await asker.store.accounts.get_user(path_id(request, "pupil_id"))
    if pupil is None or pupil.role is not Role.PUPIL:
        raise NotFound("no such pupil")
    classes = await asker.store.schools.classes_of_pupil(pupil.id)
    target = PupilTarget(pupil.id, frozenset(c.id for c in classes), frozenset(c.school_id for c in classes))
    await asker.require(Action.MANAGE_PUPIL_DATA, target)
    return asker, pupil


# -- a task ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnTask:
    asker: Asker
    task: Task
    klass: SchoolClass

    @property
    def session(self) -> Session:
        return self.asker.session


async def task_for(store: Store, user: User, task_id: int, action: Action) -> tuple[Task, SchoolClass]:
    """The task and its class, on which ``user`` may do ``action`` (404 / 403 otherwise). For
    callers without a session too (the dashboard's socket, signed in by a token)."""
    task = await store.tasks.get(task_id)
    klass = await store.schools.get_class(task.class_id) if task is not None else None
    if task is None or klass is None:
        raise NotFound(f"no task {task_id}")
    require(await store.accounts.load_principal(user), action, ClassTarget.of(klass))
    return task, klass


async def load_task(request: Request, action: Action, form: FormData | None = None) -> OnTask:
    """The task of the URL (``task_id``) and its class, for ``action``."""
    asker = await signed_in(request, form)
    task = await asker.store.tasks.get(path_id(request, "task_id"))
    klass = await asker.store.schools.get_class(task.class_id) if task is not None else None
    if task is None or klass is None:
        raise NotFound(f"no task {request.path_params['task_id']}")
    await asker.require(action, ClassTarget.of(klass))
    return OnTask(asker, task, klass)


# -- a document ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnDocument:
    asker: Asker
    target: DocumentTarget
    #: For :func:`open_document`: the asker's access now; None for a writer of a closed text
    #: (locked, published, outside its window), who may still read it.
    access: Access | None = None

    @property
    def session(self) -> Session:
        return self.asker.session

    @property
    def doc_id(self) -> str:
        return self.target.document.id


async def _document(asker: Asker, request: Request) -> DocumentTarget | None:
    doc_id = str(request.path_params["doc_id"])
    return await asker.store.documents.get_target(asker.user.id, doc_id) if len(doc_id) <= MAX_DOC_ID else None


async def load_document(request: Request, action: Action, form: FormData | None = None) -> OnDocument:
    """The document of the URL (``doc_id``), on which the asker may do ``action``."""
    asker = await signed_in(request, form)
    target = await _document(asker, request)
    if target is None:
        raise NotFound(f"no document {request.path_params['doc_id']!r}")
    await asker.require(action, target)
    return OnDocument(asker, target)


async def open_document(request: Request) -> OnDocument:
    """The document of the URL as its writing room opens it: the asker's access now (the same
    rule as the socket's, :func:`collab.policy.document_access`)."""
    asker = await signed_in(request)
    target = await _document(asker, request)
    access: Access | None = None
    with contextlib.suppress(Locked):  # raised only to writers, who may read: NotFound, Forbidden pass
        access = document_access(await asker.principal(), target, str(request.path_params["doc_id"]), time.time())
    assert target is not None  # document_access raised NotFound otherwise
    return OnDocument(asker, target, access)


async def load_class_work(request: Request) -> OnDocument:
    """A document of the URL as a piece of its class's work (its replay): READ_CLASS_WORK on its
    class; a document of no class is 404."""
    asker = await signed_in(request)
    target = await _document(asker, request)
    if target is None or target.class_id is None or target.school_id is None:
        raise NotFound(f"no document {request.path_params['doc_id']!r}")
    await asker.require(Action.READ_CLASS_WORK, ClassTarget(target.class_id, target.school_id, target.archived))
    return OnDocument(asker, target)


# -- a file of the médiathèque ---------------------------------------------------------------------


def shelf(media: Media) -> MediaTarget:
    """The shelf a file is on: its class's, or its school's shared one."""
    return MediaTarget(media.school_id, media.class_id)


async def _media(store: Store, request: HTTPConnection) -> Media:
    media_id = path_id(request, "media_id")
    media = await store.media.get(media_id)
    if media is None:
        raise NotFound(f"no file {media_id}")
    return media


async def media_for(request: HTTPConnection, user: User, action: Action) -> Media:
    """The file of the URL (``media_id``), on whose shelf ``user`` may do ``action`` (404 / 403
    otherwise). For callers signed in by a token too (a file is served to both)."""
    store = store_of(request)
    media = await _media(store, request)
    require(await store.accounts.load_principal(user), action, shelf(media))
    return media


async def load_media(request: Request, action: Action, form: FormData | None = None) -> tuple[Asker, Media]:
    """The file of the URL (``media_id``), for ``action``."""
    asker = await signed_in(request, form)
    media = await _media(asker.store, request)
    await asker.require(action, shelf(media))
    return asker, media
