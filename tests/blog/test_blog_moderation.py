"""The blog's life cycle over a real server: two pupils agree, the text waits in the teacher's
queue, the teacher publishes it, withdraws it or sends it back to the pair (the document opens
again for writing); texts still being written show as drafts; CSRF and forged ids."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import httpx
import pytest

from collab.settings import Settings
from tests.support.data import BODY, class_comments, class_posts, doc_status, publish, with_store
from tests.support.pupils import Pupil, agree, join, room_state, signed_in, typed_together
from tests.support.server import ServerThread
from tests.support.web import DemoSchool, blog, browser, csrf_from, page, sign_in_as
from tests.support.yclient import YClient

HTML = {"accept": "text/html"}


def adult(settings: Settings, school: DemoSchool, who: str) -> Pupil:
    """Anyone signed in through the pages: their session cookie and CSRF token."""
    return signed_in(settings, school, who)


def client_of(server: ServerThread, who: Pupil) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.http_url, timeout=10, headers={**HTML, "Cookie": f"binome_session={who.cookie}"}
    )


@pytest.mark.anyio
async def test_agree_queue_publish_send_back_and_agree_again(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    lea, noe = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    teacher, parent = adult(settings, school, "teacher"), adult(settings, school, "parent")
    a, b = await typed_together(server, school, (lea, noe), "Le marché du village.")
    await agree(server, school.lea_doc, lea, a.doc.get_state())
    answer = await agree(server, school.lea_doc, noe, b.doc.get_state())
    post_id = answer.json()["post"]["id"]
    assert answer.json()["post"]["submitted"] is True
    # The teacher watches the text (a reader of the room): it stays loaded after the pupils leave.
    watcher = await YClient.connect(
        server.doc_url(school.lea_doc), additional_headers={"Cookie": f"binome_session={teacher.cookie}"}
    )
    await watcher.wait_synced()
    await watcher.wait_for(lambda c: room_state(c).get("published") is True)

    async with client_of(server, teacher) as http_teacher, client_of(server, parent) as http_parent:
        queue = await http_teacher.get(f"/blog/classe/{school.class_id}/moderation")
        assert queue.status_code == 200
        assert "Textes à publier (1)" in queue.text and "Le marché du village." in queue.text
        front = await http_teacher.get(f"/blog/classe/{school.class_id}")
        assert re.search(r"À valider :</strong>\s*1 texte et 0 commentaire", front.text)
        # The parent sees nothing of it yet, not even its page.
        assert "Le marché du village." not in (await http_parent.get(f"/blog/classe/{school.class_id}")).text
        assert (await http_parent.get(f"/blog/billet/{post_id}")).status_code == 404

        # A word to the pair longer than a comment may be: refused, and nothing is sent back.
        too_long = await http_teacher.post(
            f"/blog/billet/{post_id}/renvoyer", data={"csrf": teacher.csrf, "mot": "x" * 2001}, headers=HTML
        )
        assert too_long.status_code == 400 and "2000 caractères au plus" in too_long.text
        assert doc_status(settings, school.lea_doc) == "published"
        assert len(class_posts(settings, school)) == 1
        # Sent back with a word: the post is gone, the document open again, the room no longer says
        # "published" and shows the word, which is now the teacher's comment on the text.
        sent = await http_teacher.post(
            f"/blog/billet/{post_id}/renvoyer",
            data={"csrf": teacher.csrf, "retour": "moderation", "mot": " Relisez les accords. "},
        )
        assert sent.status_code == 303 and "/moderation?ok=renvoye" in sent.headers["location"]
        assert doc_status(settings, school.lea_doc) == "open"
        assert len(class_posts(settings, school)) == 0
        assert (await http_teacher.get(f"/blog/billet/{post_id}")).status_code == 404
        await watcher.wait_for(lambda c: room_state(c).get("published") is False)
        returned = room_state(watcher)["returned"]  # the open tablets say why, at once
        assert isinstance(returned, dict) and returned["comment"] == "Relisez les accords." and returned["at"]
        assert teacher_comment(settings, school.lea_doc) == "Relisez les accords."
        # the pair's sockets stayed open through the publication, and write again (no reload)
        await a.append(" Le matin.")
        await b.wait_text("Le marché du village. Le matin.")
        await a.delete(len("Le marché du village."), len("Le marché du village. Le matin."))
        await b.wait_text("Le marché du village.")
        queue = await http_teacher.get(sent.headers["location"])
        assert "Le texte est renvoyé au binôme" in queue.text and "Textes à publier (0)" in queue.text
        assert ">renvoyé<" in queue.text  # back among the texts being written, sent back

        # The pair writes again and agrees again: a new post, which the teacher publishes.
        a2, b2 = await join(server, school.lea_doc, lea), await join(server, school.lea_doc, noe)
        await a2.append(" Il y a des fruits.")
        await b2.wait_text("Le marché du village. Il y a des fruits.")
        await agree(server, school.lea_doc, lea, a2.doc.get_state())
        again = await agree(server, school.lea_doc, noe, b2.doc.get_state())
        new_id = again.json()["post"]["id"]
        await a2.wait_for(lambda c: room_state(c).get("submitted") is True)
        published = await http_teacher.post(f"/blog/billet/{new_id}/publier", data={"csrf": teacher.csrf})
        assert published.status_code == 303 and "ok=publie" in published.headers["location"]
        # the open tablets hear it at once: on the blog, no longer waiting, the sent-back note gone
        await a2.wait_for(lambda c: room_state(c).get("submitted") is False and room_state(c).get("published") is True)
        assert room_state(a2)["post"] == new_id and room_state(a2)["returned"] is None
        reading = await http_parent.get(f"/blog/billet/{new_id}")
        assert reading.status_code == 200 and "Le marché du village. Il y a des fruits." in reading.text
        assert "Par <strong>Léa et Noé</strong>" in reading.text

        # Withdrawn: back in the queue, out of the parent's sight.
        withdrawn = await http_teacher.post(
            f"/blog/billet/{new_id}/retirer", data={"csrf": teacher.csrf, "retour": "billet"}
        )
        assert withdrawn.status_code == 303 and f"/blog/billet/{new_id}?ok=retire" in withdrawn.headers["location"]
        assert (await http_parent.get(f"/blog/billet/{new_id}")).status_code == 404
        assert "Textes à publier (1)" in (await http_teacher.get(f"/blog/classe/{school.class_id}/moderation")).text
    for client in (a, b, a2, b2, watcher):
        await client.close()


def test_texts_being_written_are_drafts_for_the_teacher(settings: Settings, school: DemoSchool) -> None:
    publish(settings, school, moderated=False)  # Léa and Noé's text is published: no longer a draft
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        queue = page(teacher, f"/blog/classe/{school.class_id}/moderation")
        assert queue.status_code == 200
        section = queue.text.split('id="en-cours"')[1].split("</section>")[0]
        assert f'/ecrire/{school.other_pair_doc}"' in section and ">en cours<" in section
        assert f'/ecrire/{school.lea_doc}"' not in section
        assert "Textes en cours d'écriture (23)" in queue.text  # 2 demo tasks for 12 pairs, one text published
    for who in ("parent", "lea", "other teacher", "admin"):
        with browser(settings) as other:
            sign_in_as(other, who, school)
            refused = page(other, f"/blog/classe/{school.class_id}/moderation")
            assert refused.status_code == 403 and school.other_pair_doc not in refused.text


def test_a_published_text_is_withdrawn_before_it_is_sent_back(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        csrf = csrf_from(blog(teacher, school))
        refused = teacher.post(f"/blog/billet/{post_id}/renvoyer", data={"csrf": csrf}, headers=HTML)
        assert refused.status_code == 409 and "retirez-le d&#39;abord" in refused.text
        assert teacher.post(f"/blog/billet/{post_id}/retirer", data={"csrf": csrf}).status_code == 303
        assert teacher.post(f"/blog/billet/{post_id}/renvoyer", data={"csrf": csrf}).status_code == 303
        assert doc_status(settings, school.lea_doc) == "open"
        # Twice: the post is gone.
        assert teacher.post(f"/blog/billet/{post_id}/renvoyer", data={"csrf": csrf}).status_code == 404


@pytest.mark.parametrize("who", ["other teacher", "parent", "lea", "admin"])
def test_only_the_class_teacher_acts(settings: Settings, school: DemoSchool, who: str) -> None:
    waiting = publish(settings, school)
    online = publish(settings, school, moderated=False, doc=school.other_pair_doc, title="Autre")
    with browser(settings) as other:
        sign_in_as(other, who, school)
        csrf = csrf_from(other.get("/").text)
        for url in (
            f"/blog/billet/{waiting}/publier",
            f"/blog/billet/{waiting}/renvoyer",
            f"/blog/billet/{online}/retirer",
            f"/blog/billet/{online}/commentaires/reglage",
            f"/blog/classe/{school.class_id}/reglage",
            f"/blog/classe/{school.class_id}/commentaires",
            f"/blog/classe/{school.class_id}/commentaires/fermeture",
            f"/blog/classe/{school.class_id}/atom/nouvelle-cle",
        ):
            assert other.post(url, data={"csrf": csrf, "mode": "immediate", "fermer": "1"}).status_code == 403, url
    assert [(post.id, post.status) for post in class_posts(settings, school)] == [
        (waiting, "submitted"),
        (online, "published"),
    ]
    assert class_comment_settings(settings, school) == ("off", False)  # unchanged: the default


def test_every_form_needs_the_csrf_token(settings: Settings, school: DemoSchool) -> None:
    waiting = publish(settings, school)
    online = publish(settings, school, moderated=False, doc=school.other_pair_doc, title="Autre")
    with_store_comment = db_insert_comment(settings, online)
    posts = [
        f"/blog/billet/{waiting}/publier",
        f"/blog/billet/{waiting}/renvoyer",
        f"/blog/billet/{online}/retirer",
        f"/blog/billet/{online}/commentaires",
        f"/blog/billet/{online}/commentaires/reglage",
        f"/blog/commentaire/{with_store_comment}",
        f"/blog/classe/{school.class_id}/reglage",
        f"/blog/classe/{school.class_id}/commentaires",
        f"/blog/classe/{school.class_id}/commentaires/fermeture",
        f"/blog/classe/{school.class_id}/atom/nouvelle-cle",
    ]
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        for url in posts:
            for data in ({}, {"csrf": "forged"}):
                form = {**data, "mode": "off", "fermer": "1", "action": "supprimer", "commentaire": "Bravo"}
                assert teacher.post(url, data=form).status_code == 403, url
    assert [(post.id, post.status) for post in class_posts(settings, school)] == [
        (waiting, "submitted"),
        (online, "published"),
    ]
    assert len(class_comments(settings, school)) == 1


def teacher_comment(settings: Settings, doc: str) -> str | None:
    comment = with_store(settings, lambda store: store.follow_up.comment(doc))
    return comment.body if comment is not None else None


def sent_back_word(settings: Settings, doc: str) -> str | None:
    sent_back = with_store(settings, lambda store: store.blog.sent_back(doc))
    return sent_back[1] if sent_back is not None else None


def class_comment_settings(settings: Settings, school: DemoSchool) -> tuple[str, bool]:
    blog = with_store(settings, lambda store: store.blog.settings(school.class_id))
    return blog.comments_mode, blog.comments_closed


def db_insert_comment(settings: Settings, post_id: int) -> int:
    with sqlite3.connect(settings.database_path) as db:
        cur = db.execute(
            "INSERT INTO comments (post_id, author_id, body, status, created_at) VALUES (?, NULL, 'Bravo', 'held', 0)",
            (post_id,),
        )
        return int(cur.lastrowid or 0)


def test_forged_and_unknown_ids_are_404(settings: Settings, school: DemoSchool) -> None:
    publish(settings, school, moderated=False)
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        csrf = csrf_from(blog(teacher, school))
        for url in (
            "/blog/billet/abc",
            "/blog/billet/9999",
            "/blog/billet/-1",
            "/blog/classe/abc/moderation",
            "/blog/classe/9999/moderation",
            "/blog/classe/9999/atom?cle=x",
            "/blog/classe/abc/atom",
        ):
            assert page(teacher, url).status_code == 404, url
        for url in (
            "/blog/billet/abc/publier",
            "/blog/billet/9999/retirer",
            "/blog/billet/9999/renvoyer",
            "/blog/billet/9999/commentaires",
            "/blog/billet/abc/commentaires/reglage",
            "/blog/commentaire/abc",
            "/blog/commentaire/9999",
            "/blog/classe/abc/commentaires",
            "/blog/classe/9999/commentaires/fermeture",
            "/blog/classe/9999/atom/nouvelle-cle",
        ):
            assert teacher.post(url, data={"csrf": csrf, "action": "accepter"}).status_code == 404, url


def test_the_teacher_sees_what_waits(settings: Settings, school: DemoSchool) -> None:
    publish(settings, school)
    publish(settings, school, doc=school.other_pair_doc, title="Le deuxième texte", body="Il fait beau.")
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        front = blog(teacher, school)
        assert re.search(r"À valider :</strong>\s*2 textes et 0 commentaire\.", front)
        assert '<span class="count" aria-label="2 à valider">2</span>' in front
        assert BODY in front and "Il fait beau." in front
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert "À valider" not in blog(parent, school) and "Modération" not in blog(parent, school)


@pytest.mark.anyio
async def test_a_room_opened_after_a_send_back_still_says_why(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    """The pupils were not there when the teacher sent the text back: the room they open later
    reads the send-back and the teacher's word, until they agree again."""
    post_id = publish(settings, school)
    teacher = adult(settings, school, "teacher")
    async with client_of(server, teacher) as http_teacher:
        sent = await http_teacher.post(
            f"/blog/billet/{post_id}/renvoyer", data={"csrf": teacher.csrf, "mot": "Relisez la fin."}
        )
        assert sent.status_code == 303
    lea = await join(server, school.lea_doc, signed_in(settings, school, "lea"))
    await lea.wait_for(lambda c: isinstance(room_state(c).get("returned"), dict))
    returned = room_state(lea)["returned"]
    assert isinstance(returned, dict) and returned["comment"] == "Relisez la fin." and returned["at"]
    assert room_state(lea)["published"] is False
    await lea.close()


@pytest.mark.anyio
async def test_a_text_sent_back_after_the_task_ended_is_written_again_until_it_ends_again(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    post_id = publish(settings, school)
    teacher = adult(settings, school, "teacher")
    lea, noe = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    end = f"/enseignant/tache/{school.dictation_task_id}/terminer"
    async with client_of(server, teacher) as http_teacher, client_of(server, lea) as http_lea:
        assert (await http_teacher.post(end, data={"csrf": teacher.csrf})).status_code == 303
        sent = await http_teacher.post(
            f"/blog/billet/{post_id}/renvoyer", data={"csrf": teacher.csrf, "mot": "Encore."}
        )
        assert sent.status_code == 303
        # the pair writes again, though the task is over for the others
        state = (await http_lea.get(f"/ecrire/{school.lea_doc}/etat")).json()
        assert state["status"] == "open" and state["message"] == "" and state["writable"] is True
        assert "renvoyé" in (await http_teacher.get(f"/enseignant/tache/{school.dictation_task_id}/suivi")).text
        a, b = await join(server, school.lea_doc, lea), await join(server, school.lea_doc, noe)
        await a.append(" Corrigé.")
        await b.wait_text(a.value())
        assert a.value().endswith(" Corrigé.")
        # ending the task again closes it too
        assert (await http_teacher.post(end, data={"csrf": teacher.csrf})).status_code == 303
        assert await a.wait_closed() == 4409
        state = (await http_lea.get(f"/ecrire/{school.lea_doc}/etat")).json()
        assert state["writable"] is False and "temps est écoulé" in state["message"]
        await b.close()


@pytest.mark.anyio
async def test_an_older_comment_is_not_given_as_the_reason_of_a_send_back(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    teacher = adult(settings, school, "teacher")
    async with client_of(server, teacher) as http_teacher:
        said = await http_teacher.post(
            f"/enseignant/texte/{school.lea_doc}/commentaire", data={"csrf": teacher.csrf, "body": "Bravo !"}
        )
        assert said.status_code == 303
        post_id = publish(settings, school)  # agreed on after that comment
        sent = await http_teacher.post(f"/blog/billet/{post_id}/renvoyer", data={"csrf": teacher.csrf})
        assert sent.status_code == 303
    lea = await join(server, school.lea_doc, signed_in(settings, school, "lea"))
    await lea.wait_for(lambda c: isinstance(room_state(c).get("returned"), dict))
    returned = room_state(lea)["returned"]
    assert isinstance(returned, dict) and returned["comment"] == ""  # not « Bravo ! »
    await lea.close()


@pytest.mark.anyio
async def test_a_send_back_attacked_in_parallel_with_huge_words_and_a_revoked_session(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    post_id = publish(settings, school)
    teacher = adult(settings, school, "teacher")
    url = f"/blog/billet/{post_id}/renvoyer"
    async with client_of(server, teacher) as http_teacher:
        # a body over the forms' cap (64 KB; far larger ones are cut while they stream: tests/test_bodies.py)
        huge = await http_teacher.post(url, data={"csrf": teacher.csrf, "mot": "x" * 100_000})
        assert huge.status_code == 413
        assert doc_status(settings, school.lea_doc) == "published"
        # 40 send-backs at once, each with its own word: exactly one happens, its word is the one kept
        answers = await asyncio.gather(
            *(http_teacher.post(url, data={"csrf": teacher.csrf, "mot": f"Mot {n}"}) for n in range(40))
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses.count(303) == 1 and set(statuses) <= {303, 404, 409}, statuses
        [won] = [n for n, a in enumerate(answers) if a.status_code == 303]
        assert sent_back_word(settings, school.lea_doc) == f"Mot {won}"
        assert teacher_comment(settings, school.lea_doc) == f"Mot {won}"
    # a session signed out a moment ago sends nothing back any more
    second = publish(settings, school, doc=school.other_pair_doc, title="Autre")
    async with client_of(server, teacher) as http_teacher:
        assert (await http_teacher.post("/deconnexion", data={"csrf": teacher.csrf})).status_code == 303
        late = await http_teacher.post(f"/blog/billet/{second}/renvoyer", data={"csrf": teacher.csrf, "mot": "x"})
        refused = late.status_code in (401, 403) or late.headers.get("location", "").endswith("/connexion")
        assert refused, late.status_code  # sent back to sign in
    assert doc_status(settings, school.other_pair_doc) == "published"
