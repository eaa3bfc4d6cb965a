"""Pure access rules (the full school model extends this table)."""

from __future__ import annotations

import pytest

from collab.errors import CollabError, Forbidden, Locked, NotFound
from collab.models import Access, DocStatus, Document, DocumentGrant, Role, User
from collab.policy import document_access

USER = User(id=1, login="lea", display_name="Léa", role=Role.PUPIL)


def grant(access: Access | None, status: DocStatus = DocStatus.OPEN) -> DocumentGrant:
    return DocumentGrant(Document(id="d", title="T", status=status, created_at=0.0), access)


@pytest.mark.parametrize(
    ("the_grant", "expected"),
    [
        (None, NotFound),
        (grant(None), Forbidden),
        (grant(Access.READ), Access.READ),
        (grant(Access.WRITE), Access.WRITE),
        (grant(Access.WRITE, DocStatus.LOCKED), Locked),
        (grant(Access.WRITE, DocStatus.PUBLISHED), Locked),
        (grant(Access.READ, DocStatus.LOCKED), Access.READ),
        (grant(None, DocStatus.LOCKED), Forbidden),
    ],
)
def test_document_access(the_grant: DocumentGrant | None, expected: Access | type[CollabError]) -> None:
    if isinstance(expected, Access):
        assert document_access(USER, the_grant, "d") is expected
    else:
        with pytest.raises(expected):
            document_access(USER, the_grant, "d")
