"""Plain data: the things Binôme talks about. No I/O here."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
class DocumentGrant:
    """A document as one user sees it: the document and that user's access (None: no access)."""

    document: Document
    access: Access | None


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
