"""Replay: every intermediate text rebuilt exactly from the update log, with each author."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text
from starlette.testclient import TestClient

from collab.dashboard.replay import apply_steps, replay_steps
from collab.models import StoredUpdate
from collab.settings import Settings
from tests.support.web import DemoSchool, browser, sign_in_as

ALPHABET = "abcé à ça 😀\nÉœ’"


def two_writers_log(edits: list[tuple[int, int, int, str]]) -> tuple[list[StoredUpdate], list[str]]:
    """Two pupils editing in turn: the log (author 1 or 2) and the text after each update."""
    docs: list[Doc[Any]] = [Doc(), Doc()]
    texts = [d.get("text", type=Text) for d in docs]
    log: list[StoredUpdate] = []
    expected: list[str] = []
    for seq, (who, where, length, inserted) in enumerate(edits, start=1):
        doc, text = docs[who], texts[who]
        current = str(text)
        before = doc.get_state()
        start = min(where, len(current))
        end = min(len(current), start + length)
        with doc.transaction():
            if end > start:
                del text[_byte(current, start) : _byte(current, end)]
            if inserted:
                text.insert(_byte(str(text), start), inserted)
        update = doc.get_update(before)
        docs[1 - who].apply_update(update)
        log.append(StoredUpdate(seq=seq, data=update, author_id=who + 1, created_at=float(seq)))
        expected.append(str(text))
    return log, expected


def _byte(text: str, chars: int) -> int:
    """pycrdt 0.14 counts Text positions in UTF-8 bytes."""
    return len(text[:chars].encode("utf-8"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 40), st.integers(0, 4), st.text(ALPHABET, max_size=6)),
        max_size=40,
    )
)
def test_every_intermediate_text_is_rebuilt(edits: list[tuple[int, int, int, str]]) -> None:
    log, expected = two_writers_log(edits)
    steps = replay_steps(log)
    by_update = {int(step.at): n for n, step in enumerate(steps)}  # created_at is the update's seq here
    shown = ""
    for seq, text in enumerate(expected, start=1):
        if seq in by_update:
            shown = "".join(c for c, _ in apply_steps(steps[: by_update[seq] + 1]))
        assert shown == text  # an update without a step left the text as it was


def test_each_character_keeps_its_author() -> None:
    log, _ = two_writers_log([(0, 0, 0, "Léa écrit. "), (1, 99, 0, "Noé ajoute 😀."), (0, 0, 4, "")])
    chars = apply_steps(replay_steps(log))
    assert "".join(c for c, _ in chars) == "écrit. Noé ajoute 😀."
    assert {a for _, a in chars[:7]} == {1}
    assert {a for _, a in chars[7:]} == {2}


def test_the_replay_page_is_for_the_class_teacher(settings: Settings, school: DemoSchool, client: TestClient) -> None:
    sign_in_as(client, "teacher", school)
    page = client.get(f"/enseignant/document/{school.lea_doc}/replay", headers={"accept": "text/html"})
    assert page.status_code == 200 and "comment le texte a été écrit" in page.text
    data = client.get(f"/enseignant/document/{school.lea_doc}/replay.json").json()
    assert data["steps"] == [] and [m["name"] for m in data["members"]] == ["Léa", "Noé"]
    for who in ("lea", "other teacher", "admin", "parent"):
        with browser(settings) as other:
            sign_in_as(other, who, school)
            assert other.get(f"/enseignant/document/{school.lea_doc}/replay.json").status_code == 403
    assert client.get("/enseignant/document/t999-p1/replay.json").status_code == 404
