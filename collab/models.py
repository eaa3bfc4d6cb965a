"""Plain data: the things Binôme talks about. No I/O here."""

from __future__ import annotations

import enum
from dataclasses import dataclass

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
