"""The permission matrix: every role × action × own / other class / other school (pure)."""

from __future__ import annotations

import pytest

from collab.errors import ArchivedClass, CollabError, Forbidden, Locked, NotFound
from collab.models import (
    Access,
    ClassTarget,
    CommuneTarget,
    DocStatus,
    Document,
    DocumentTarget,
    MediaTarget,
    Principal,
    PupilTarget,
    Role,
    SchoolTarget,
    User,
)
from collab.policy import Action, Target, can, document_access, require

# Two schools; school 1 has classes 10 (ours) and 11 (other); school 2 has class 20.
OWN_CLASS, OTHER_CLASS, OTHER_SCHOOL_CLASS = 10, 11, 20
OWN_PAIR, OTHER_PAIR, OLD_PAIR = 100, 101, 99


def principal(role: Role, **facts: frozenset[int]) -> Principal:
    return Principal(user=User(id=1, login=role.value, display_name=role.value, role=role), **facts)


PRINCIPALS = {
    "pupil": principal(
        Role.PUPIL,
        pupil_class_ids=frozenset({OWN_CLASS}),
        pair_ids=frozenset({OWN_PAIR, OLD_PAIR}),
        member_school_ids=frozenset({1}),
    ),
    "teacher": principal(
        Role.TEACHER,
        taught_class_ids=frozenset({OWN_CLASS}),
        teacher_school_ids=frozenset({1}),
        member_school_ids=frozenset({1}),
    ),
    # The teacher of class 10 once it is archived: reads its texts, follow-up and blog, changes nothing.
    "archived class teacher": principal(Role.TEACHER, archived_taught_class_ids=frozenset({OWN_CLASS})),
    "parent": principal(Role.PARENT, children_class_ids=frozenset({OWN_CLASS})),
    "admin": principal(Role.ADMIN, admin_school_ids=frozenset({1})),
    # An admin of commune 1 (school 1 is in it; school 2 is in commune 2).
    "commune admin": principal(Role.ADMIN, admin_school_ids=frozenset({1}), admin_commune_ids=frozenset({1})),
    "stranger": principal(Role.PUPIL),
}


def doc(
    class_id: int, school_id: int, pair_id: int, status: DocStatus = DocStatus.OPEN, *, archived: bool = False
) -> DocumentTarget:
    return DocumentTarget(
        Document("d", "T", status, 0.0), class_id=class_id, school_id=school_id, pair_id=pair_id, archived=archived
    )


TARGETS: dict[str, Target] = {
    "own pair doc": doc(OWN_CLASS, 1, OWN_PAIR),
    "old pair doc": doc(OWN_CLASS, 1, OLD_PAIR),
    "locked own doc": doc(OWN_CLASS, 1, OWN_PAIR, DocStatus.LOCKED),
    "published own doc": doc(OWN_CLASS, 1, OWN_PAIR, DocStatus.PUBLISHED),
    "published other pair doc": doc(OWN_CLASS, 1, OTHER_PAIR, DocStatus.PUBLISHED),
    "published other class doc": doc(OTHER_CLASS, 1, 102, DocStatus.PUBLISHED),
    "other pair doc": doc(OWN_CLASS, 1, OTHER_PAIR),
    "other class doc": doc(OTHER_CLASS, 1, 102),
    "other school doc": doc(OTHER_SCHOOL_CLASS, 2, 103),
    "own class": ClassTarget(OWN_CLASS, 1),
    # Class 10 as the store loads it once archived (a past school year).
    "own archived class": ClassTarget(OWN_CLASS, 1, archived=True),
    "own archived pair doc": doc(OWN_CLASS, 1, OWN_PAIR, archived=True),
    "published own archived doc": doc(OWN_CLASS, 1, OWN_PAIR, DocStatus.PUBLISHED, archived=True),
    "other class": ClassTarget(OTHER_CLASS, 1),
    "other school class": ClassTarget(OTHER_SCHOOL_CLASS, 2),
    "own school": SchoolTarget(1),
    "other school": SchoolTarget(2),
    "pupil of own school": PupilTarget(5, frozenset({OWN_CLASS}), frozenset({1})),
    "pupil of other school": PupilTarget(6, frozenset({OTHER_SCHOOL_CLASS}), frozenset({2})),
    "own commune": CommuneTarget(1),
    "other commune": CommuneTarget(2),
    "own class media": MediaTarget(1, OWN_CLASS),
    "other class media": MediaTarget(1, OTHER_CLASS),
    "other school class media": MediaTarget(2, OTHER_SCHOOL_CLASS),
    "own school shelf": MediaTarget(1, None),
    "other school shelf": MediaTarget(2, None),
}

R, W, B, C, T, S, D, M, L, MM, F, OWN, J, P, CB, RW, RF = (
    Action.READ_DOCUMENT,
    Action.WRITE_DOCUMENT,
    Action.READ_CLASS_BLOG,
    Action.MANAGE_CLASS,
    Action.TEACH_CLASS,
    Action.MANAGE_SCHOOL,
    Action.MANAGE_PUPIL_DATA,
    Action.MANAGE_COMMUNE,
    Action.READ_MEDIA,
    Action.MANAGE_MEDIA,
    Action.FOLLOW_UP,
    Action.READ_OWN_CORRECTION,
    Action.START_DRAFT,
    Action.PUPIL_SIGN_IN,
    Action.COMMENT_CLASS_BLOG,
    Action.READ_CLASS_WORK,
    Action.READ_FOLLOW_UP,
)

# (who, target) -> the actions allowed; every other (who, target, action) must be refused.
ALLOWED: dict[tuple[str, str], set[Action]] = {
    ("pupil", "own pair doc"): {R, W},
    ("pupil", "old pair doc"): {R, W},  # work already done keeps the pair it was done by
    ("pupil", "locked own doc"): {R},
    # the reference and a second draft only once the pair's text is closed by publication
    ("pupil", "published own doc"): {R, OWN, J},
    ("pupil", "published other pair doc"): set(),
    ("pupil", "own class"): {B, CB},
    # once the class is archived its pupils write nothing in it any more (nor comment)
    ("pupil", "own archived class"): {B},
    ("pupil", "own archived pair doc"): {R},
    ("pupil", "published own archived doc"): {R},
    ("teacher", "own pair doc"): {R, F, RF},
    ("teacher", "old pair doc"): {R, F, RF},
    ("teacher", "locked own doc"): {R, F, RF},
    ("teacher", "other pair doc"): {R, F, RF},
    ("teacher", "published own doc"): {R, F, RF, J},
    ("teacher", "published other pair doc"): {R, F, RF, J},
    # only teachers watch, replay, moderate and see the sign-in cards (pictures): never admins
    ("teacher", "own class"): {B, CB, C, T, P, RW},
    # the archived class, whether the target or the principal says so: read only
    ("teacher", "own archived class"): {B, RW},
    ("teacher", "own archived pair doc"): {R, RF},
    ("teacher", "published own archived doc"): {R, RF},
    ("archived class teacher", "own pair doc"): {R, RF},
    ("archived class teacher", "old pair doc"): {R, RF},
    ("archived class teacher", "locked own doc"): {R, RF},
    ("archived class teacher", "other pair doc"): {R, RF},
    ("archived class teacher", "published own doc"): {R, RF},  # no new draft in an archived class
    ("archived class teacher", "published other pair doc"): {R, RF},
    ("archived class teacher", "own class"): {B, RW},
    ("archived class teacher", "own archived class"): {B, RW},
    ("archived class teacher", "own archived pair doc"): {R, RF},
    ("archived class teacher", "published own archived doc"): {R, RF},
    ("parent", "own class"): {B, CB},
    ("parent", "own archived class"): {B},  # last years' blogs: read, no comment
    ("admin", "own class"): {C},
    ("admin", "other class"): {C},
    ("admin", "own school"): {S},
    ("admin", "pupil of own school"): {D},
    ("commune admin", "own class"): {C},
    ("commune admin", "other class"): {C},
    ("commune admin", "own school"): {S},
    ("commune admin", "pupil of own school"): {D},
    ("commune admin", "own commune"): {M},
    ("pupil", "own class media"): {L},
    ("pupil", "own school shelf"): {L},
    ("teacher", "own class media"): {L, MM},
    ("teacher", "own school shelf"): {L, MM},
}

CASES = [(who, target_name, action) for who in PRINCIPALS for target_name in TARGETS for action in Action]


@pytest.mark.parametrize(("who", "target_name", "action"), CASES)
def test_permission_matrix(who: str, target_name: str, action: Action) -> None:
    expected = action in ALLOWED.get((who, target_name), set())
    assert can(PRINCIPALS[who], action, TARGETS[target_name]) is expected


def test_matrix_is_not_vacuous() -> None:
    assert len(CASES) == len(PRINCIPALS) * len(TARGETS) * len(Action) >= 300
    assert sum(len(v) for v in ALLOWED.values()) == 83


@pytest.mark.parametrize(
    ("who", "action", "target_name"),
    [
        ("archived class teacher", Action.TEACH_CLASS, "own class"),
        ("archived class teacher", Action.FOLLOW_UP, "own pair doc"),
        ("archived class teacher", Action.START_DRAFT, "published own doc"),
        ("teacher", Action.TEACH_CLASS, "own archived class"),
        ("teacher", Action.MANAGE_CLASS, "own archived class"),
        ("admin", Action.MANAGE_CLASS, "own archived class"),
        ("parent", Action.COMMENT_CLASS_BLOG, "own archived class"),
    ],
)
def test_a_change_on_an_archived_class_says_why(who: str, action: Action, target_name: str) -> None:
    with pytest.raises(ArchivedClass) as refused:
        require(PRINCIPALS[who], action, TARGETS[target_name])
    assert refused.value.status == 403 and "archivée" in refused.value.public_message


def test_an_archived_class_of_someone_else_gets_no_hint() -> None:
    for who in ("teacher", "archived class teacher", "admin"):
        with pytest.raises(Forbidden) as refused:
            require(PRINCIPALS[who], Action.TEACH_CLASS, ClassTarget(OTHER_SCHOOL_CLASS, 2, archived=True))
        assert not isinstance(refused.value, ArchivedClass)


def explicit(access: Access | None, status: DocStatus = DocStatus.OPEN) -> DocumentTarget:
    return DocumentTarget(Document("d", "T", status, 0.0), class_id=None, school_id=None, pair_id=None, explicit=access)


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("stranger", None, NotFound),
        ("stranger", explicit(None), Forbidden),
        ("stranger", explicit(Access.READ), Access.READ),
        ("stranger", explicit(Access.WRITE), Access.WRITE),
        ("stranger", explicit(Access.WRITE, DocStatus.LOCKED), Locked),
        ("stranger", explicit(Access.WRITE, DocStatus.PUBLISHED), Locked),
        ("stranger", explicit(Access.READ, DocStatus.LOCKED), Access.READ),
        ("pupil", TARGETS["own pair doc"], Access.WRITE),
        ("pupil", TARGETS["locked own doc"], Locked),
        ("pupil", TARGETS["other pair doc"], Forbidden),
        ("teacher", TARGETS["locked own doc"], Access.READ),
        ("teacher", TARGETS["other school doc"], Forbidden),
        ("admin", TARGETS["own pair doc"], Forbidden),  # admins manage accounts, never read texts
        ("parent", TARGETS["own pair doc"], Forbidden),  # parents read the blog, not drafts
    ],
)
def test_document_access(who: str, target: DocumentTarget | None, expected: Access | type[CollabError]) -> None:
    if isinstance(expected, Access):
        assert document_access(PRINCIPALS[who], target, "d", now=1000.0) is expected
    else:
        with pytest.raises(expected):
            document_access(PRINCIPALS[who], target, "d", now=1000.0)


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "expected"),
    [(None, None, Access.WRITE), (900.0, 1100.0, Access.WRITE), (1100.0, None, Locked), (None, 1000.0, Locked)],
)
def test_task_window(opens_at: float | None, closes_at: float | None, expected: Access | type[CollabError]) -> None:
    target = DocumentTarget(
        Document("d", "T", DocStatus.OPEN, 0.0), OWN_CLASS, 1, OWN_PAIR, opens_at=opens_at, closes_at=closes_at
    )
    if isinstance(expected, Access):
        assert document_access(PRINCIPALS["pupil"], target, "d", now=1000.0) is expected
        assert document_access(PRINCIPALS["teacher"], target, "d", now=1000.0) is Access.READ
    else:
        with pytest.raises(expected):
            document_access(PRINCIPALS["pupil"], target, "d", now=1000.0)
        assert document_access(PRINCIPALS["teacher"], target, "d", now=1000.0) is Access.READ
