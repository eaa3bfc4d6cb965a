"""Who may do what: pure rules shared by the HTTP views and the hub. No I/O.

Every rule reads only the :class:`Principal` (facts about the signed-in user, loaded by
the store) and a target (facts about the thing asked for). Nothing here trusts an id
that came from a request: the views and the hub load the target from the database.
"""

from __future__ import annotations

import dataclasses
import enum

from collab.errors import ArchivedClass, Forbidden, Locked, NotFound
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
    COMMENT_CLASS_BLOG = "class.blog.comment"  # its readers, while the class is this year's
    MANAGE_CLASS = "class.manage"  # roster, pairs, parents: its teachers and the school's admins
    #: The sign-in cards (each pupil's pictures) and new pictures: its teachers only, never an
    #: admin (whoever sees the pictures can sign in as the pupil and read their texts).
    PUPIL_SIGN_IN = "class.sign_in_cards"
    #: Lock, end a task, create one, moderate the blog: its teachers, never admins.
    TEACH_CLASS = "class.teach"
    #: Read a class's work (tasks, dashboard, follow-up, replay, exports): its teachers, never
    #: admins; the teachers of an archived class keep it.
    READ_CLASS_WORK = "class.read_work"
    MANAGE_SCHOOL = "school.manage"  # classes, teacher accounts, imports, roll-over
    MANAGE_COMMUNE = "commune.manage"  # create the commune's schools
    READ_MEDIA = "media.read"  # listen to, look at a file of the médiathèque
    MANAGE_MEDIA = "media.manage"  # add, rename, delete files
    MANAGE_PUPIL_DATA = "pupil.data"  # RGPD export and deletion
    FOLLOW_UP = "document.follow_up"  # correct, annotate, comment a text: the class's teachers
    READ_FOLLOW_UP = "document.read_follow_up"  # a text's follow-up page: the class's teachers, archived too
    READ_OWN_CORRECTION = "document.own_correction"  # the reference and the corrected text: the pair, once closed
    START_DRAFT = "document.next_draft"  # a second draft of a published text: the pair or its teacher


Target = DocumentTarget | ClassTarget | SchoolTarget | PupilTarget | CommuneTarget | MediaTarget

#: The school year: once a class is archived, these are the only actions left on it and its
#: texts (its teachers read its work, its pupils' parents its blog). Every other action (a new
#: task, a lock, a correction, a moderation, a comment, a second draft, an upload, the roster)
#: is refused with ArchivedClass, for everyone: this is the one place that says so.
READ_ONLY_ACTIONS = frozenset(
    {
        Action.READ_DOCUMENT,
        Action.READ_CLASS_BLOG,
        Action.READ_CLASS_WORK,
        Action.READ_FOLLOW_UP,
        Action.READ_MEDIA,
    }
)


def archived(principal: Principal, target: Target) -> bool:
    """Is the target in an archived class (the target says so, or it is a class this user taught
    until it was archived)?"""
    if isinstance(target, (ClassTarget, DocumentTarget)) and target.archived:
        return True
    class_id = getattr(target, "class_id", None)
    return class_id is not None and class_id in principal.archived_taught_class_ids


def can(principal: Principal, action: Action, target: Target, *, now: float | None = None) -> bool:
    """True when ``principal`` may perform ``action`` on ``target`` (at time ``now``, for the
    writing window of a task's documents; without ``now`` the window is not considered)."""
    if action not in READ_ONLY_ACTIONS and archived(principal, target):
        return False
    role = principal.user.role
    if isinstance(target, DocumentTarget):
        if action is Action.READ_DOCUMENT:
            return target.explicit is not None or _writes_as_pupil(principal, target) or _teaches(principal, target)
        if action is Action.WRITE_DOCUMENT:
            may_write = target.explicit is Access.WRITE or _writes_as_pupil(principal, target)
            in_window = now is None or target.open_at(now)
            return may_write and in_window and target.document.status is DocStatus.OPEN
        if action in (Action.FOLLOW_UP, Action.READ_FOLLOW_UP):
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
        if action in (Action.READ_CLASS_BLOG, Action.COMMENT_CLASS_BLOG):
            return (
                _teaches_class(principal, target.class_id)
                or target.class_id in principal.pupil_class_ids
                or target.class_id in principal.children_class_ids
            )
        if action in (Action.TEACH_CLASS, Action.READ_CLASS_WORK):
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
    """A class this user teaches, or taught until it was archived (where ``can`` lets them only read)."""
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


def _this_year(principal: Principal, target: Target) -> tuple[Principal, Target]:
    """The same user and target as if the class were this year's (to tell "archived" from "not yours")."""
    taught = principal.taught_class_ids | principal.archived_taught_class_ids
    now = dataclasses.replace(principal, taught_class_ids=taught, archived_taught_class_ids=frozenset())
    if isinstance(target, (ClassTarget, DocumentTarget)):
        return now, dataclasses.replace(target, archived=False)
    return now, target


def require(principal: Principal, action: Action, target: Target) -> None:
    """Raise Forbidden (403) unless ``principal`` may perform ``action`` on ``target``. A change on
    an archived class that this user could make were it this year's is ArchivedClass (403, and
    its French message says why); anyone else gets the plain 403 (no hint the class exists)."""
    if can(principal, action, target):
        return
    if action not in READ_ONLY_ACTIONS and archived(principal, target):
        that_user, that_target = _this_year(principal, target)
        if can(that_user, action, that_target):
            raise ArchivedClass(f"{principal.user.login} may not {action.value} on archived {target}")
    raise Forbidden(f"{principal.user.login} may not {action.value} on {target}")
