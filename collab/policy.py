"""Who may do what: pure rules shared by the HTTP views and the hub. No I/O."""

from __future__ import annotations

import enum

from collab.errors import Forbidden, Locked, NotFound
from collab.models import Access, DocStatus, DocumentGrant, User


class Action(enum.StrEnum):
    READ_DOCUMENT = "document.read"
    WRITE_DOCUMENT = "document.write"


def can(user: User, action: Action, target: DocumentGrant) -> bool:
    """True when ``user`` may perform ``action`` on ``target``."""
    if action is Action.READ_DOCUMENT:
        return target.access is not None
    if action is Action.WRITE_DOCUMENT:
        return target.access is Access.WRITE and target.document.status is DocStatus.OPEN
    raise ValueError(f"unknown action {action}")


def document_access(user: User, grant: DocumentGrant | None, doc_id: str) -> Access:
    """The access a connection gets to a document, or the error that refuses it.

    A member with write access gets write while the document is open; once it is
    locked or published, writers are refused (4409) and readers still read.
    """
    if grant is None:
        raise NotFound(f"no document {doc_id!r}")
    if not can(user, Action.READ_DOCUMENT, grant):
        raise Forbidden(f"{user.login} is not a member of {doc_id}")
    if grant.access is Access.WRITE:
        if not can(user, Action.WRITE_DOCUMENT, grant):
            raise Locked(f"{doc_id} is {grant.document.status.value}")
        return Access.WRITE
    return Access.READ
