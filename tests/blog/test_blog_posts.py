"""Post pages: what they show, to whom, escaped; a second draft beside its first, changes marked."""

from __future__ import annotations

import re

import pytest
from pycrdt import Doc, merge_updates

from collab.settings import Settings
from collab.store import Store
from tests.support.data import BODY, publish, with_store
from tests.support.web import AsWho, DemoSchool, blog, csrf_from, page

FIRST = "Le chat noir dort sur le tapis.\n\nIl reve de souris."
SECOND = "Le chat noir dort sur le grand tapis.\n\nIl rêve de souris grises."


def test_the_post_page(settings: Settings, school: DemoSchool, as_who: AsWho) -> None:
    body = "Premier paragraphe,\nsur deux lignes.\n\n\nSecond paragraphe."
    post_id = publish(settings, school, moderated=False, body=body)
    shown = page(as_who("parent"), f"/blog/billet/{post_id}")
    assert shown.status_code == 200
    assert "<h1>Dictée : le marché du village</h1>" in shown.text
    assert "Par <strong>Léa et Noé</strong>" in shown.text
    assert "Travail : Dictée : le marché du village" in shown.text  # the demo dictation's title
    assert re.search(r"Publié le \d{1,2} [a-zéû]+ \d{4} à \d\d:\d\d", shown.text)
    assert "<p>Premier paragraphe,\nsur deux lignes.</p><p>Second paragraphe.</p>" in shown.text
    assert "Du premier jet au deuxième jet" not in shown.text


def test_the_list_shows_excerpts_that_lead_to_the_posts(settings: Settings, school: DemoSchool, as_who: AsWho) -> None:
    long_body = "Il était une fois un petit marché. " * 20 + "LA FIN."
    post_id = publish(settings, school, moderated=False, body=long_body)
    listing = blog(as_who("lea"), school)
    assert f'href="http://127.0.0.1/blog/billet/{post_id}"' in listing
    assert "Il était une fois un petit marché." in listing and " …" in listing and "LA FIN." not in listing
    assert f'id="billet-{post_id}"' in listing  # the writing room's « voir sur le blog » anchor
    assert "LA FIN." in page(as_who("lea"), f"/blog/billet/{post_id}").text


def test_titles_and_texts_are_escaped(settings: Settings, school: DemoSchool, as_who: AsWho) -> None:
    post_id = publish(
        settings, school, moderated=False, title="<script>alert(1)</script>", body='<img src=x onerror="alert(2)">'
    )
    for who in ("parent", "teacher"):
        client = as_who(who)
        for text in (page(client, f"/blog/billet/{post_id}").text, blog(client, school)):
            assert "<script>alert(1)" not in text and "<img src=x" not in text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
            assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in text


def test_parents_read_only_published_posts_of_their_childs_class(
    settings: Settings, school: DemoSchool, as_who: AsWho
) -> None:
    waiting = publish(settings, school)
    online = publish(settings, school, moderated=False, doc=school.other_pair_doc, title="En ligne", body="Visible.")
    elsewhere = publish_in_other_class(settings, school)
    parent = as_who("parent")
    listing = blog(parent, school)
    assert "Visible." in listing and BODY not in listing
    assert "brouillon" not in listing and "Textes en cours" not in listing  # drafts: never
    assert page(parent, f"/blog/billet/{online}").status_code == 200
    assert page(parent, f"/blog/billet/{waiting}").status_code == 404  # nothing learnt about it
    assert page(parent, f"/blog/billet/{elsewhere}").status_code == 403  # another class
    assert page(parent, f"/blog/classe/{school.other_class_id}").status_code == 403
    assert page(parent, f"/ecrire/{school.pair7_doc}").status_code == 403  # a draft's own page
    lea = as_who("lea")
    assert page(lea, f"/blog/billet/{waiting}").status_code == 404
    assert page(lea, f"/blog/billet/{elsewhere}").status_code == 403
    assert page(as_who("teacher"), f"/blog/billet/{elsewhere}").status_code == 403
    teacher_view = page(as_who("teacher"), f"/blog/billet/{waiting}")
    assert teacher_view.status_code == 200 and "envoyé (à valider)" in teacher_view.text
    assert "Publier ce texte" in teacher_view.text and "Renvoyer au binôme" in teacher_view.text


@pytest.mark.parametrize("who", ["admin", "other teacher"])
def test_admins_and_other_teachers_see_nothing(settings: Settings, school: DemoSchool, as_who: AsWho, who: str) -> None:
    post_id = publish(settings, school, moderated=False)
    client = as_who(who)
    answer = page(client, f"/blog/billet/{post_id}")
    assert answer.status_code == 403 and BODY not in answer.text
    assert page(client, f"/blog/classe/{school.class_id}/moderation").status_code == 403


def publish_in_other_class(settings: Settings, school: DemoSchool) -> int:
    async def make(store: Store) -> int:
        await store.documents.ensure_document("ce2-texte", "Texte du CE2", class_id=school.other_class_id)
        post = await store.blog.publish(
            doc_id="ce2-texte",
            class_id=school.other_class_id,
            pair_id=None,
            task_id=None,
            title="Texte du CE2",
            body="Rien à voir.",
            state_vector=b"\x00",
            moderated=False,
        )
        return post.id

    return with_store(settings, make)


def second_draft(settings: Settings, school: DemoSchool, *, first_published: bool = True) -> tuple[int, int]:
    """Léa and Noé's first draft posted, a second draft started from its whole CRDT state, and
    posted too: the two posts' ids."""
    first_id = publish(settings, school, moderated=not first_published, title="Le chat", body=FIRST)

    async def make(store: Store) -> int:
        loaded = await store.documents.load(school.lea_doc)
        updates = ([loaded.snapshot] if loaded.snapshot else []) + loaded.tail
        seed = merge_updates(*updates) if updates else Doc().get_update()
        child = f"{school.lea_doc}-j2"
        await store.documents.create_draft(school.lea_doc, child, "Le chat (deuxième jet)", seed)
        post = await store.blog.publish(
            doc_id=child,
            class_id=school.class_id,
            pair_id=await store.documents.pair_of(child),
            task_id=None,
            title="Le chat (deuxième jet)",
            body=SECOND,
            state_vector=b"\x00",
            moderated=False,
        )
        return post.id

    return first_id, with_store(settings, make)


def test_a_second_draft_beside_its_first(settings: Settings, school: DemoSchool, as_who: AsWho) -> None:
    first_id, second_id = second_draft(settings, school)
    shown = page(as_who("parent"), f"/blog/billet/{second_id}").text
    assert "Du premier jet au deuxième jet" in shown and "Légende" in shown
    assert "<ins>mots ajoutés</ins>" in shown and "<del>mots enlevés</del>" in shown
    first_column = shown.split('id="jet-1"')[1].split("</section>")[0]
    second_column = shown.split('id="jet-2"')[1].split("</section>")[0]
    # Words only: the first draft with its removals struck, the second with its additions marked.
    assert '<del><span class="visually-hidden">[enlevé : </span>reve<span class="visually-hidden">]</span></del>' in (
        first_column
    )
    assert "<ins>" not in first_column and "<del>" not in second_column
    for added in ("grand ", "rêve", " grises"):
        assert f'<ins><span class="visually-hidden">[ajouté : </span>{added}<span' in second_column
    unmarked = re.sub(r'<span class="visually-hidden">[^<]*</span>|</?(ins|del)>', "", second_column)
    assert SECOND in unmarked
    assert FIRST in re.sub(r'<span class="visually-hidden">[^<]*</span>|</?(ins|del)>', "", first_column)
    assert "Travail : Dictée : le marché du village" in shown  # the first draft's task
    assert f'href="http://127.0.0.1/blog/billet/{first_id}">lire le premier jet' in shown
    first_page = page(as_who("lea"), f"/blog/billet/{first_id}").text
    assert f'href="http://127.0.0.1/blog/billet/{second_id}">lire le deuxième jet' in first_page
    assert "Du premier jet au deuxième jet" not in first_page


def test_an_unpublished_first_draft_is_not_shown_beside_the_second(
    settings: Settings, school: DemoSchool, as_who: AsWho
) -> None:
    first_id, second_id = second_draft(settings, school, first_published=False)
    shown = page(as_who("parent"), f"/blog/billet/{second_id}").text
    assert (
        "Du premier jet au deuxième jet" not in shown
        and "reve" not in shown
        and f"/blog/billet/{first_id}" not in shown
    )
    assert "Du premier jet au deuxième jet" in page(as_who("teacher"), f"/blog/billet/{second_id}").text


def test_a_first_draft_with_a_second_is_not_sent_back(settings: Settings, school: DemoSchool, as_who: AsWho) -> None:
    first_id, _ = second_draft(settings, school, first_published=False)
    teacher = as_who("teacher")
    csrf = csrf_from(blog(teacher, school))
    refused = teacher.post(f"/blog/billet/{first_id}/renvoyer", data={"csrf": csrf}, headers={"accept": "text/html"})
    assert refused.status_code == 409 and "Un deuxième jet a déjà été commencé" in refused.text
