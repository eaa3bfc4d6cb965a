"""Who may do what: pure rules shared by the HTTP views and the hub. No I/O.

Every rule reads only the :class:`Principal` (facts about the signed-in user, loaded by
the store) and a target (facts about the thing asked for). Nothing here trusts an id
that came from a request: the views and the hub load the target from the database.
"""

from __future__ import annotations

import enum

from collab.errors import Forbidden, Locked, NotFound
from collab.models import (
    Access,
    ClassTarget,
    CommuneTarget,
    DocStatus,
    DocumentTarget,
    MediaTarget,
    Principal,
    PupilTarget,
    Role,
    SchoolTarget,
)


class Action(enum.StrEnum):
    READ_DOCUMENT = "document.read"
    WRITE_DOCUMENT = "document.write"
    READ_CLASS_BLOG = "class.blog.read"
    MANAGE_CLASS = "class.manage"  # roster, pairs, parents: its teachers and the school's admins
    #: The sign-in cards (each pupil's pictures) and new pictures: its teachers only, never an
    #: admin (whoever sees the pictures can sign in as the pupil and read their texts).
    PUPIL_SIGN_IN = "class.sign_in_cards"
    #: Watch pairs live, replay, lock, follow up, moderate the blog: its teachers, never admins;
    #: the teachers of an archived class keep it (to read, lock and correct its texts).
    TEACH_CLASS = "class.teach"
    MANAGE_SCHOOL = "school.manage"  # classes, teacher accounts, imports, roll-over
    MANAGE_COMMUNE = "commune.manage"  # create the commune's schools
    READ_MEDIA = "media.read"  # listen to, look at a file of the médiathèque
    MANAGE_MEDIA = "media.manage"  # add, rename, delete files
    MANAGE_PUPIL_DATA = "pupil.data"  # RGPD export and deletion
    FOLLOW_UP = "document.follow_up"  # correct, annotate, comment a text: the class's teachers
    READ_OWN_CORRECTION = "document.own_correction"  # the reference and the corrected text: the pair, once closed
    START_DRAFT = "document.next_draft"  # a second draft of a published text: the pair or its teacher


Target = DocumentTarget | ClassTarget | SchoolTarget | PupilTarget | CommuneTarget | MediaTarget


def can(principal: Principal, action: Action, target: Target, *, now: float | None = None) -> bool:
    """True when ``principal`` may perform ``action`` on ``target`` (at time ``now``, for the
    writing window of a task's documents; without ``now`` the window is not considered)."""
    role = principal.user.role
    if isinstance(target, DocumentTarget):
        if action is Action.READ_DOCUMENT:
            return target.explicit is not None or _writes_as_pupil(principal, target) or _teaches(principal, target)
        if action is Action.WRITE_DOCUMENT:
            may_write = target.explicit is Access.WRITE or _writes_as_pupil(principal, target)
            in_window = now is None or target.open_at(now)
            return may_write and in_window and target.document.status is DocStatus.OPEN
        if action is Action.FOLLOW_UP:
            return _teaches(principal, target)
        published = target.document.status is DocStatus.PUBLISHED
        if action is Action.READ_OWN_CORRECTION:
            return published and _writes_as_pupil(principal, target)
        if action is Action.START_DRAFT:
            return published and (
                _writes_as_pupil(principal, target)
                or (target.class_id is not None and target.class_id in principal.taught_class_ids)
            )
    elif isinstance(target, ClassTarget):
        if action is Action.READ_CLASS_BLOG:
            return (
                _teaches_class(principal, target.class_id)
                or target.class_id in principal.pupil_class_ids
                or target.class_id in principal.children_class_ids
            )
        if action is Action.TEACH_CLASS:
            return _teaches_class(principal, target.class_id)
        if action is Action.PUPIL_SIGN_IN:
            return target.class_id in principal.taught_class_ids
        if action is Action.MANAGE_CLASS:
            return target.class_id in principal.taught_class_ids or (
                role is Role.ADMIN and target.school_id in principal.admin_school_ids
            )
    elif isinstance(target, SchoolTarget):
        if action is Action.MANAGE_SCHOOL:
            return role is Role.ADMIN and target.school_id in principal.admin_school_ids
    elif isinstance(target, PupilTarget) and action is Action.MANAGE_PUPIL_DATA:
        return role is Role.ADMIN and bool(target.school_ids & principal.admin_school_ids)
    elif isinstance(target, CommuneTarget) and action is Action.MANAGE_COMMUNE:
        return role is Role.ADMIN and target.commune_id in principal.admin_commune_ids
    elif isinstance(target, MediaTarget):
        if target.class_id is None:  # the school's shared shelf: its teachers share, its classes use
            if action is Action.READ_MEDIA:
                return target.school_id in principal.member_school_ids
            if action is Action.MANAGE_MEDIA:
                return target.school_id in principal.teacher_school_ids
        elif action is Action.READ_MEDIA:
            return target.class_id in principal.taught_class_ids or target.class_id in principal.pupil_class_ids
        elif action is Action.MANAGE_MEDIA:
            return target.class_id in principal.taught_class_ids
    return False


def _writes_as_pupil(principal: Principal, target: DocumentTarget) -> bool:
    return principal.user.role is Role.PUPIL and target.pair_id is not None and target.pair_id in principal.pair_ids


def _teaches(principal: Principal, target: DocumentTarget) -> bool:
    return target.class_id is not None and _teaches_class(principal, target.class_id)


def _teaches_class(principal: Principal, class_id: int) -> bool:
    """A class this user teaches, or taught until it was archived."""
    return class_id in principal.taught_class_ids or class_id in principal.archived_taught_class_ids


def document_access(principal: Principal, target: DocumentTarget | None, doc_id: str, now: float) -> Access:
    """The access a connection gets to a document, or the error that refuses it.

    Writers get write while the document is open (and its task's window is); once it is
    locked, published or outside the window, writers are refused (4409) and readers read.
    """
    if target is None:
        raise NotFound(f"no document {doc_id!r}")
    if not can(principal, Action.READ_DOCUMENT, target):
        raise Forbidden(f"{principal.user.login} may not open {doc_id}")
    if can(principal, Action.WRITE_DOCUMENT, target, now=now):
        return Access.WRITE
    if target.explicit is Access.WRITE or _writes_as_pupil(principal, target):
        why = target.document.status.value if target.document.status is not DocStatus.OPEN else "outside its window"
        raise Locked(f"{doc_id} is {why}")
    return Access.READ


def live_scope(principal: Principal) -> tuple[frozenset[int], bool]:
    """What an administrator's live page shows: the schools whose counts they see (their schools,
    or their communes' schools), and whether they also see the server's totals (a commune's
    administrator: those include every school served). Forbidden for anyone else."""
    if principal.user.role is not Role.ADMIN:
        raise Forbidden(f"{principal.user.login} is not an administrator")
    return principal.admin_school_ids, bool(principal.admin_commune_ids)


def require(principal: Principal, action: Action, target: Target) -> None:
    """Raise Forbidden (403) unless ``principal`` may perform ``action`` on ``target``."""
    if not can(principal, action, target):
        raise Forbidden(f"{principal.user.login} may not {action.value} on {target}")
