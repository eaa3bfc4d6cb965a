"""The médiathèque's upload form, as a teacher's browser posts it."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.support.web import csrf_from


def upload(client: TestClient, class_id: int, data: bytes, filename: str, **fields: str) -> int:
    page = client.get(f"/enseignant/classe/{class_id}/mediatheque")
    response = client.post(
        f"/enseignant/classe/{class_id}/mediatheque",
        data={"csrf": csrf_from(page.text), **fields},
        files={"file": (filename, data, "application/octet-stream")},
        headers={"accept": "text/html"},
    )
    return response.status_code
