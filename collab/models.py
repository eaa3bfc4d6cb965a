"""Plain data: the things Binôme talks about. No I/O here."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from collab.words import join_list


class Role(enum.StrEnum):
    PUPIL = "pupil"
    TEACHER = "teacher"
    PARENT = "parent"
    ADMIN = "admin"
    OBSERVER = "observer"  # a read-only account (load tests, inspectors)


class Access(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class DocStatus(enum.StrEnum):
    OPEN = "open"
    LOCKED = "locked"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    login: str
    display_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str
    status: DocStatus
    created_at: float


@dataclass(frozen=True, slots=True)
class Lineage:
    """A text's drafts: the first ("premier jet") has no parent, a second draft's parent is the first."""

    doc_id: str
    draft: int
    parent_id: str | None
    child_id: str | None


@dataclass(frozen=True, slots=True)
class StoredUpdate:
    """One row of a document's update log."""

    seq: int
    data: bytes
    author_id: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """What is needed to rebuild a document: the snapshot and the log tail after it."""

    snapshot: bytes | None
    snapshot_seq: int
    tail: list[bytes]
    last_seq: int


class Level(enum.StrEnum):
    CP = "CP"
    CE1 = "CE1"
    CE2 = "CE2"
    CM1 = "CM1"
    CM2 = "CM2"
    CM1_CM2 = "CM1-CM2"
    CE2_CM1 = "CE2-CM1"


@dataclass(frozen=True, slots=True)
class School:
    id: int
    name: str
    commune_id: int
    commune_name: str


@dataclass(frozen=True, slots=True)
class SchoolClass:
    id: int
    school_id: int
    name: str
    level: str
    school_year: str
    code: str
    archived: bool


#: How pages name a pupil whose data was erased, on the texts they wrote with others.
FORMER_PUPIL = "un ancien élève"
FORMER_PUPILS = "deux anciens élèves"  # a trio's two erased members (the last one's texts are erased)


@dataclass(frozen=True, slots=True)
class Pair:
    """Two pupils (three when the class count is odd) writing together."""

    id: int
    class_id: int
    number: int
    members: tuple[User, ...]
    dissolved: bool
    #: Members whose data was erased (RGPD): their co-written texts stay, without their name.
    former_members: int = 0

    @property
    def author_names(self) -> tuple[str, ...]:
        """Who wrote the pair's texts, as pages show it: « un ancien élève » for an erased member."""
        former = () if not self.former_members else (FORMER_PUPIL if self.former_members == 1 else FORMER_PUPILS,)
        return former + tuple(m.display_name for m in self.members)

    @property
    def names(self) -> str:
        """« Mila et Tom », « Mila, Raphaël et Tom », « un ancien élève et Noé »."""
        return join_list(self.author_names)

    def names_besides(self, user_id: int) -> list[str]:
        """The other authors of the pair's texts, as ``user_id`` sees them."""
        former = list(self.author_names[:1]) if self.former_members else []
        return former + [m.display_name for m in self.members if m.id != user_id]


@dataclass(frozen=True, slots=True)
class Credentials:
    password_hash: str | None
    pictures: tuple[int, ...] | None
    failed_attempts: int
    locked_until: float | None


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user and the facts the access rules need about them."""

    user: User
    taught_class_ids: frozenset[int] = frozenset()
    pupil_class_ids: frozenset[int] = frozenset()
    #: The pupil's pairs in the classes they are in now (not removed, class not archived).
    pair_ids: frozenset[int] = frozenset()
    children_class_ids: frozenset[int] = frozenset()
    admin_school_ids: frozenset[int] = frozenset()
    admin_commune_ids: frozenset[int] = frozenset()
    #: Schools where this user teaches a class, and where they teach or learn.
    teacher_school_ids: frozenset[int] = frozenset()
    member_school_ids: frozenset[int] = frozenset()
    #: Archived classes this user taught: their teachers keep reading, following up and locking
    #: their texts (nobody writes in them any more).
    archived_taught_class_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class DocumentTarget:
    """A document and what the access rules need to know about it, for one principal."""

    document: Document
    class_id: int | None
    school_id: int | None
    pair_id: int | None
    #: A grant given to this principal on this document alone (load tests, inspectors).
    explicit: Access | None = None
    #: The task's writing window (None: no limit on that side).
    opens_at: float | None = None
    closes_at: float | None = None
    #: Its class is archived (last years' work: read only, see collab.policy).
    archived: bool = False
    #: When the teacher last sent the text back to its pair (None once agreed on again).
    sent_back_at: float | None = None

    def open_at(self, now: float) -> bool:
        """Within the task's writing window; a text sent back after the task ended has a window of
        its own, until the teacher ends the task again."""
        if self.sent_back_at is not None and self.closes_at is not None and self.sent_back_at >= self.closes_at:
            return True
        return (self.opens_at is None or now >= self.opens_at) and (self.closes_at is None or now < self.closes_at)


@dataclass(frozen=True, slots=True)
class ClassTarget:
    class_id: int
    school_id: int
    #: An archived class (a past school year): read only, see collab.policy.
    archived: bool = False

    @classmethod
    def of(cls, klass: SchoolClass) -> ClassTarget:
        return cls(klass.id, klass.school_id, klass.archived)


@dataclass(frozen=True, slots=True)
class PupilTarget:
    pupil_id: int
    class_ids: frozenset[int]
    school_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class SchoolTarget:
    school_id: int


@dataclass(frozen=True, slots=True)
class MediaTarget:
    """A file of the médiathèque: a class's own, or (class_id None) the school's shared shelf."""

    school_id: int
    class_id: int | None


@dataclass(frozen=True, slots=True)
class CommuneTarget:
    commune_id: int


# -- Médiathèque files -----------------------------------------------------------------------------------


class MediaKind(enum.StrEnum):
    AUDIO = "audio"
    IMAGE = "image"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class MediaType:
    kind: MediaKind
    mime: str
    label: str  # French, for the médiathèque list


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    type: MediaType
    duration: float | None
    cuts: tuple[float, ...]  # where the phrases of a recording meet (collab.mediatheque.phrases)


# -- The update log --------------------------------------------------------------------------------------


class DurabilityListener(Protocol):
    def on_durable(self, item: PendingUpdate) -> None: ...

    def on_lost(self, item: PendingUpdate, exc: BaseException) -> None: ...


@dataclass(slots=True)
class PendingUpdate:
    doc_id: str
    seq: int
    data: bytes
    author_id: int | None
    created_at: float
    listener: DurabilityListener
    #: Opaque to the log: what the listener needs once the update is durable.
    context: object = None


# -- Accounts --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserListing:
    """One line of ``collab users``."""

    user: User
    class_name: str | None
    pair: str | None


# -- Sessions --------------------------------------------------------------------------------------------


def session_credential(token: str) -> str:
    """How open connections name the session they were opened with (never the token itself)."""
    return "session:" + hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user: User
    csrf_token: str

    @property
    def credential(self) -> str:
        return session_credential(self.token)


# -- Sign-in throttles -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """How many comparisons a budget allows, and for how long it is locked once they are spent."""

    attempts: int  # comparisons per window; the last one allowed locks the budget (a success unlocks it)
    window_seconds: float  # attempts older than this are forgotten
    lock_steps: tuple[float, ...]  # successive locks, e.g. 1, 5, 15 minutes then 1 hour each time


@dataclass(frozen=True, slots=True)
class Budget:
    """One row of ``sign_in_throttles``."""

    window_start: float
    attempts: int
    locked_until: float | None
    lock_level: int


@dataclass(frozen=True, slots=True)
class Attempt:
    granted: bool
    retry_after: float = 0.0  # seconds until the lock ends, when refused


@dataclass(frozen=True, slots=True)
class CodeLookup:
    klass: SchoolClass | None
    retry_after: float = 0.0  # > 0: this client typed too many unknown codes, nothing was looked up

    @property
    def blocked(self) -> bool:
        return self.retry_after > 0


# -- Privacy (RGPD) --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    actor_login: str
    action: str  # "export" (a pupil's data, RGPD) or "delete"
    subject_login: str


# -- Follow-up -------------------------------------------------------------------------------------------


#: The kinds of the teacher's annotations, as the pages name them.
ANNOTATION_NAMES = {
    "accord_gn": "accord dans le groupe nominal",
    "accord_verbe": "accord du verbe",
    "homophone": "homophone",
    "lexique": "orthographe du mot",
    "ponctuation": "ponctuation",
    "autre": "autre",
}
#: The teacher's comment on a text (and her word to the pair when she sends it back), at most.
MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class Annotation:
    id: int
    doc_id: str
    start: int
    end: int
    quote: str  # the words it was put on, to find them again if the text moved
    kind: str
    note: str
    created_at: float


@dataclass(frozen=True, slots=True)
class TeacherComment:
    body: str
    updated_at: float


# -- The class blog --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    class_id: int
    doc_id: str
    pair_id: int | None
    task_id: int | None
    title: str
    body: str
    status: str  # "submitted" (waits for the teacher) or "published"
    created_at: float
    published_at: float | None
    #: The post's own comment mode ("off", "immediate", "held"); None follows the class's.
    comments_mode: str | None = None

    @property
    def published(self) -> bool:
        return self.status == "published"


@dataclass(frozen=True, slots=True)
class BlogSettings:
    moderated: bool  # agreed texts wait for the teacher
    comments_mode: str  # the default of the class's posts
    comments_closed: bool  # the kill switch: no comment anywhere, existing ones hidden but from the teacher


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    post_id: int
    class_id: int
    author_id: int | None
    author_name: str | None  # None once the account is gone
    body: str
    status: str  # "held" (waits for the teacher), "visible" or "refused"
    created_at: float


@dataclass(frozen=True, slots=True)
class Draft:
    """A text of the class still being written (no post yet)."""

    doc_id: str
    title: str
    status: str  # "open" or "locked"
    pair_id: int | None
    draft: int  # 1 for a first draft, 2 for a second one
    created_at: float


@dataclass(frozen=True, slots=True)
class Waiting:
    """What waits for the class's teacher."""

    posts: int
    comments: int

    @property
    def total(self) -> int:
        return self.posts + self.comments


# -- Médiathèque files -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Media:
    id: int
    school_id: int
    class_id: int | None  # None: the school's shared shelf
    name: str
    sha256: str
    kind: MediaKind
    mime: str
    size: int
    duration: float | None
    created_at: float
    cuts: tuple[float, ...]  # where the phrases of a recording meet (collab.mediatheque.phrases)


# -- Tasks -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskGroup:
    id: int
    label: str
    instructions: str
    media_id: int | None
    reference_text: str


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    class_id: int
    kind: str  # "dictation" or "free"
    title: str
    opens_at: float | None
    closes_at: float | None
    created_at: float
    groups: tuple[TaskGroup, ...]


@dataclass(frozen=True, slots=True)
class TaskDocument:
    task_id: int
    pair_id: int
    group_id: int
    doc_id: str
    status: str
    draft: int = 1  # a second draft belongs to its first draft's task, pair and group


@dataclass(frozen=True, slots=True)
class NewGroup:
    label: str
    instructions: str
    media_id: int | None
    reference_text: str
    pair_ids: Sequence[int]
