"""A text's state, one vocabulary everywhere: derived from the data (collab.states), shown by the
live dashboard feed, the task page, the follow-up and the blog's moderation page."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from collab.models import DocStatus
from collab.settings import Settings
from collab.states import LABELS, TextFacts, TextState, text_state, vocabulary
from tests.support.feed import Feed, open_feed
from tests.support.followup_data import write_and_agree
from tests.support.pupils import agree, form_post, join, signed_in, typed_together
from tests.support.server import ServerThread
from tests.support.web import DemoSchool, browser, sign_in_as

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("facts", "state"),
    [
        (TextFacts(DocStatus.OPEN), TextState.WRITING),
        (TextFacts(DocStatus.OPEN, sent_back=True), TextState.SENT_BACK),
        (TextFacts(DocStatus.LOCKED), TextState.PAUSED),
        (TextFacts(DocStatus.LOCKED, sent_back=True), TextState.PAUSED),
        (TextFacts(DocStatus.PUBLISHED, "submitted"), TextState.SENT),
        (TextFacts(DocStatus.PUBLISHED, "published"), TextState.PUBLISHED),
        (TextFacts(DocStatus.PUBLISHED), TextState.SENT),
        (TextFacts(DocStatus.OPEN, opens_at=NOW + 60), TextState.NOT_OPEN),
        (TextFacts(DocStatus.OPEN, closes_at=NOW - 60), TextState.ENDED),
        (TextFacts(DocStatus.PUBLISHED, "published", closes_at=NOW - 60), TextState.PUBLISHED),
        (TextFacts(DocStatus.OPEN, opens_at=NOW - 60, closes_at=NOW + 60), TextState.WRITING),
    ],
)
def test_the_state_is_derived_from_the_data(facts: TextFacts, state: TextState) -> None:
    assert text_state(facts, NOW) is state


def test_one_word_per_state() -> None:
    assert vocabulary() == {
        "not_open": "pas encore ouvert",
        "writing": "en cours",
        "paused": "en pause",
        "ended": "terminé",
        "sent": "envoyé (à valider)",
        "published": "publié",
        "sent_back": "renvoyé",
    }
    assert len(set(LABELS.values())) == len(TextState)


def teacher_pages(settings: Settings, school: DemoSchool, *paths: str) -> list[str]:
    with browser(settings) as client:
        sign_in_as(client, "teacher", school)
        return [page_text(client, path) for path in paths]


def page_text(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.text


def tag_of(html: str, pair_number: int) -> str:
    """The state tag on the task page's line of a pair."""
    line = re.search(rf"<li>Binôme {pair_number} \(.*?</li>", html, re.S)
    assert line is not None
    tag = re.search(r'class="tag state-[a-z_]+"[^>]*>([^<]+)<', line.group(0))
    assert tag is not None
    return tag.group(1)


def test_a_text_waiting_for_approval_reads_envoye_on_every_teacher_page(settings: Settings, school: DemoSchool) -> None:
    write_and_agree(settings, school, moderated=True)  # pair 1: waits for the teacher
    write_and_agree(settings, school, doc=school.other_pair_doc, moderated=False)  # pair 2: online
    tasks, follow_up, queue, dashboard = teacher_pages(
        settings,
        school,
        f"/enseignant/classe/{school.class_id}/taches",
        f"/enseignant/tache/{school.dictation_task_id}/suivi",
        f"/blog/classe/{school.class_id}/moderation",
        f"/enseignant/tache/{school.dictation_task_id}/tableau",
    )
    for state in TextState:  # the dashboard's legend: every word, with what it means
        assert f">{state.label}</span></dt><dd>{state.hint.replace(chr(39), '&#39;')}</dd>" in dashboard
    assert tag_of(tasks, 1) == "envoyé (à valider)"
    assert tag_of(tasks, 2) == "publié"
    assert tag_of(tasks, 3) == "en cours"
    assert "soumis" not in follow_up and "verrouillé" not in tasks
    assert follow_up.count(">envoyé (à valider)<") == 1 and follow_up.count(">publié<") == 1
    assert ">en cours<" in queue and "brouillon —" not in queue


@pytest.mark.anyio
async def test_the_dashboard_follows_agreement_approval_and_send_back_live(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    pair = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    teacher = signed_in(settings, school, "teacher")
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher.cookie))
    card = await feed.wait_card(school.lea_doc, lambda c: True)
    assert (card["state"], card["label"]) == ("writing", "en cours")
    lea, noe = pair
    a, b = await typed_together(server, school, pair, "Le marché du village.")
    await agree(server, school.lea_doc, lea, a.doc.get_state())
    answer = await agree(server, school.lea_doc, noe, b.doc.get_state())
    post_id = answer.json()["post"]["id"]
    card = await feed.wait_card(school.lea_doc, lambda c: c["state"] == "sent")
    assert card["label"] == "envoyé (à valider)" and "attend votre validation" in card["hint"]
    # sent back to the pair: « renvoyé », and the pair writes again
    status, _ = await form_post(server, teacher, f"/blog/billet/{post_id}/renvoyer")
    assert status in (200, 303)
    card = await feed.wait_card(school.lea_doc, lambda c: c["state"] == "sent_back")
    assert card["label"] == "renvoyé"
    # agreed again (the pair joins again: the send-back closed their sockets), then approved: « publié »
    a, b = await join(server, school.lea_doc, lea), await join(server, school.lea_doc, noe)
    await a.append(" Fin.")
    await b.wait_text("Le marché du village. Fin.")
    await agree(server, school.lea_doc, lea, a.doc.get_state())
    post_id = (await agree(server, school.lea_doc, noe, b.doc.get_state())).json()["post"]["id"]
    await feed.wait_card(school.lea_doc, lambda c: c["label"] == "envoyé (à valider)")
    status, _ = await form_post(server, teacher, f"/blog/billet/{post_id}/publier")
    assert status in (200, 303)
    card = await feed.wait_card(school.lea_doc, lambda c: c["state"] == "published")
    assert card["label"] == "publié"


@pytest.mark.parametrize(
    ("moderated", "label"), [(True, "envoyé à la maîtresse ou au maître"), (False, "publié sur le blog")]
)
def test_the_pupils_home_says_sent_until_the_text_is_published(
    settings: Settings, school: DemoSchool, moderated: bool, label: str
) -> None:
    write_and_agree(settings, school, moderated=moderated)
    with browser(settings) as client:
        sign_in_as(client, "lea", school)
        home = page_text(client, "/")
    line = re.search(rf'href="[^"]*/ecrire/{school.lea_doc}".*?</li>', home, re.S)
    assert line is not None
    tag = re.search(r'class="tag[^"]*">([^<]+)<', line.group(0))
    assert tag is not None and tag.group(1) == label
    assert "publié sur le blog" not in home or not moderated
