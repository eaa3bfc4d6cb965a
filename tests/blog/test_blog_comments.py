"""Comments on the class blog: who may write them, held for the teacher or shown at once, the
per-post mode, the kill switch, and what each reader sees."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from collab.store import Store
from tests.support.data import BODY, class_comments, publish, with_store
from tests.support.web import DemoSchool, browser, csrf_from, page, sign_in_as

HTML = {"accept": "text/html"}


def comment(client: TestClient, post_id: int, text: str) -> tuple[int, str]:
    """Write a comment through the post page's form: the status and the page shown after."""
    form = page(client, f"/blog/billet/{post_id}")
    assert form.status_code == 200
    sent = client.post(
        f"/blog/billet/{post_id}/commentaires",
        data={"csrf": csrf_from(form.text), "commentaire": text},
        headers=HTML,
    )
    if sent.status_code != 303:
        return sent.status_code, sent.text
    return 303, page(client, sent.headers["location"]).text


def post_page(settings: Settings, school: DemoSchool, who: str, post_id: int) -> str:
    with browser(settings) as reader:
        sign_in_as(reader, who, school)
        response = page(reader, f"/blog/billet/{post_id}")
        assert response.status_code == 200
        return response.text


def teacher_form(settings: Settings, school: DemoSchool, url: str, **data: str) -> str:
    """The class's teacher sends a form; the page they land on."""
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        csrf = csrf_from(page(teacher, f"/blog/classe/{school.class_id}").text)
        sent = teacher.post(url, data={"csrf": csrf, **data})
        assert sent.status_code == 303, sent.text
        return page(teacher, sent.headers["location"]).text


def comment_rows(settings: Settings, school: DemoSchool) -> list[tuple[str, str]]:
    return [(comment.body, comment.status) for comment in class_comments(settings, school)]


def comment_id(settings: Settings, school: DemoSchool, body: str) -> int:
    [found] = [comment.id for comment in class_comments(settings, school) if comment.body == body]
    return found


def set_comments_mode(settings: Settings, school: DemoSchool, mode: str) -> None:
    """The comment mode of every class of the demo schools."""

    async def set_mode(store: Store) -> None:
        for class_id in (school.class_id, school.other_class_id, school.other_school_class_id):
            await store.blog.set_comments_mode(class_id, mode)

    with_store(settings, set_mode)


@pytest.fixture(autouse=True)
def comments_held(settings: Settings, school: DemoSchool) -> None:
    """The teacher has allowed comments, held for approval (off by default: see the next test)."""
    set_comments_mode(settings, school, "held")


def test_comments_are_off_until_the_teacher_allows_them(settings: Settings, school: DemoSchool) -> None:
    async def new_class_mode(store: Store) -> str:
        school_id = (await store.schools.ensure_school("Montpellier", "École Jean Macé")).id
        klass = await store.schools.ensure_class(school_id, "CP Nouveau", "CP", "2026-2027")
        return (await store.blog.settings(klass.id)).comments_mode

    assert with_store(settings, new_class_mode) == "off"
    set_comments_mode(settings, school, "off")  # back to what a new class gets
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        status, _ = comment(parent, post_id, "Bravo !")
    assert status == 409 and comment_rows(settings, school) == []


def test_a_held_comment_waits_for_the_teacher(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        status, after = comment(lea, post_id, "  J'adore ce texte !\n  ")
        assert status == 303 and "il sera affiché quand l&#39;enseignant l&#39;aura validé" in after
        assert "J&#39;adore ce texte !" in after and "en attente de validation" in after  # she sees hers
    assert comment_rows(settings, school) == [("J'adore ce texte !", "held")]  # trimmed
    for who in ("noe", "parent"):
        assert "adore ce texte" not in post_page(settings, school, who, post_id)
    queue = teacher_form(settings, school, f"/blog/classe/{school.class_id}/reglage", moderated="0")
    assert "Commentaires à valider (1)" in queue and "J&#39;adore ce texte !" in queue and "Léa" in queue
    held = comment_id(settings, school, "J'adore ce texte !")
    accepted = teacher_form(settings, school, f"/blog/commentaire/{held}", action="accepter")
    assert "Commentaire accepté" in accepted and "Commentaires à valider (0)" in accepted
    for who in ("noe", "parent", "lea"):
        shown = post_page(settings, school, who, post_id)
        assert "J&#39;adore ce texte !" in shown and "en attente de validation" not in shown
        assert "<strong>Léa</strong>" in shown  # the author's display name


def test_refused_comments_are_the_teachers_alone(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert comment(parent, post_id, "Publicité !")[0] == 303
    refused = teacher_form(
        settings,
        school,
        f"/blog/commentaire/{comment_id(settings, school, 'Publicité !')}",
        action="refuser",
        retour="billet",
    )
    assert "Commentaire refusé" in refused and "Publicité !" in refused and ">refusé<" in refused
    for who in ("parent", "lea"):  # not even its author
        assert "Publicité" not in post_page(settings, school, who, post_id)
    teacher_form(
        settings, school, f"/blog/commentaire/{comment_id(settings, school, 'Publicité !')}", action="supprimer"
    )
    assert comment_rows(settings, school) == []


def test_immediate_comments_and_the_teachers_own(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        status, after = comment(teacher, post_id, "Bravo à vous deux.")
        assert status == 303 and "Commentaire publié." in after  # held mode, but a teacher's comment shows at once
    teacher_form(settings, school, f"/blog/classe/{school.class_id}/commentaires", mode="immediate")
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        status, after = comment(parent, post_id, "Merci pour ce beau texte.")
        assert status == 303 and "Commentaire publié." in after
    shown = post_page(settings, school, "noe", post_id)
    assert "Bravo à vous deux." in shown and "Merci pour ce beau texte." in shown and "Pierre Martin" in shown
    assert comment_rows(settings, school) == [
        ("Bravo à vous deux.", "visible"),
        ("Merci pour ce beau texte.", "visible"),
    ]


def test_comments_off_are_refused(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    teacher_form(settings, school, f"/blog/classe/{school.class_id}/commentaires", mode="off")
    assert "Les commentaires sont fermés pour ce texte." in post_page(settings, school, "lea", post_id)
    for who in ("lea", "parent", "teacher"):
        with browser(settings) as reader:
            sign_in_as(reader, who, school)
            status, text = comment(reader, post_id, "Coucou")
            assert status == 409 and "Les commentaires sont fermés pour ce texte." in text
    assert comment_rows(settings, school) == []


def test_a_post_has_its_own_mode(settings: Settings, school: DemoSchool) -> None:
    open_post = publish(settings, school, moderated=False)
    other = publish(settings, school, moderated=False, doc=school.other_pair_doc, title="Autre texte")
    url = f"/blog/billet/{open_post}/commentaires/reglage"
    after = teacher_form(settings, school, url, mode="immediate", retour="billet")
    assert '<option value="immediate" selected>' in after
    teacher_form(settings, school, f"/blog/billet/{other}/commentaires/reglage", mode="off")
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        assert comment(lea, open_post, "Tout de suite")[0] == 303
        assert comment(lea, other, "Jamais")[0] == 409
    assert comment_rows(settings, school) == [("Tout de suite", "visible")]
    # Back to the class's mode (held).
    teacher_form(settings, school, f"/blog/billet/{open_post}/commentaires/reglage", mode="classe")
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        assert comment(lea, open_post, "Plus tard")[0] == 303
    assert comment_rows(settings, school)[-1] == ("Plus tard", "held")
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        csrf = csrf_from(page(teacher, f"/blog/billet/{open_post}").text)
        bad = teacher.post(f"/blog/billet/{open_post}/commentaires/reglage", data={"csrf": csrf, "mode": "tous"})
        assert bad.status_code == 400


def test_the_kill_switch_hides_and_closes_everything_until_reopened(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    teacher_form(settings, school, f"/blog/billet/{post_id}/commentaires/reglage", mode="immediate")
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert comment(parent, post_id, "Un commentaire visible")[0] == 303
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        teacher_form(settings, school, f"/blog/billet/{post_id}/commentaires/reglage", mode="held")
        assert comment(lea, post_id, "Le mien, en attente")[0] == 303
        teacher_form(settings, school, f"/blog/billet/{post_id}/commentaires/reglage", mode="immediate")

    closed = teacher_form(settings, school, f"/blog/classe/{school.class_id}/commentaires/fermeture", fermer="1")
    assert "Tous les commentaires sont fermés et cachés." in closed and "Rouvrir les commentaires" in closed
    for who in ("parent", "lea", "noe"):
        shown = post_page(settings, school, who, post_id)
        assert "Un commentaire visible" not in shown and "Le mien, en attente" not in shown
        assert "Les commentaires sont fermés pour ce texte." in shown
    for who in ("parent", "lea", "teacher"):
        with browser(settings) as reader:
            sign_in_as(reader, who, school)
            assert comment(reader, post_id, "Malgré tout")[0] == 409
    teacher_view = post_page(settings, school, "teacher", post_id)
    assert "Un commentaire visible" in teacher_view and "Le mien, en attente" in teacher_view
    assert "seuls les enseignants les voient" in teacher_view

    reopened = teacher_form(settings, school, f"/blog/classe/{school.class_id}/commentaires/fermeture", fermer="0")
    assert "Les commentaires sont de nouveau ouverts." in reopened and "Fermer tous les commentaires" in reopened
    shown = post_page(settings, school, "noe", post_id)
    assert "Un commentaire visible" in shown and "Le mien, en attente" not in shown
    with browser(settings) as parent:  # the post's own mode (immediate) was kept
        sign_in_as(parent, "parent", school)
        assert comment(parent, post_id, "De retour")[0] == 303
    assert comment_rows(settings, school)[-1] == ("De retour", "visible")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Le commentaire est vide"),
        ("   \n\t  ", "Le commentaire est vide"),
        ("a" * 1001, "Le commentaire est trop long : 1000 caractères au plus (il en a 1001)."),
    ],
)
def test_empty_or_too_long_comments_are_refused(
    settings: Settings, school: DemoSchool, text: str, message: str
) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        status, shown = comment(lea, post_id, text)
        assert status == 400 and message in shown and 'role="alert"' in shown
        assert BODY in shown  # the post page again, with the form
    assert comment_rows(settings, school) == []


def test_a_comment_of_the_longest_length_is_kept_whole(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        assert comment(lea, post_id, "é" * 1000)[0] == 303
    assert comment_rows(settings, school) == [("é" * 1000, "held")]


def test_comments_are_escaped(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        status, shown = comment(teacher, post_id, '<script>alert("x")</script> <b>gras</b>')
        assert status == 303
    for text in (shown, post_page(settings, school, "parent", post_id)):
        assert "<script>alert" not in text and "<b>gras</b>" not in text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;gras&lt;/b&gt;" in text


def test_no_comment_on_a_text_that_is_not_published(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        csrf = csrf_from(page(lea, "/").text)
        sent = lea.post(f"/blog/billet/{post_id}/commentaires", data={"csrf": csrf, "commentaire": "Coucou"})
        assert sent.status_code == 404
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        csrf = csrf_from(page(teacher, "/").text)
        sent = teacher.post(f"/blog/billet/{post_id}/commentaires", data={"csrf": csrf, "commentaire": "Coucou"})
        assert sent.status_code == 409
    assert comment_rows(settings, school) == []


def sign_in_tom(client: TestClient, settings: Settings, school: DemoSchool) -> None:
    """Tom, the pupil of another class of the school, signs in with his pictures."""

    async def prepare(store: Store) -> str:
        await store.accounts.set_pictures(school.other_class_pupil_id, (1, 2, 3))
        klass = await store.schools.get_class(school.other_class_id)
        assert klass is not None
        return klass.code

    code = with_store(settings, prepare)
    url = f"/classe/{code}/{school.other_class_pupil_id}"
    csrf = csrf_from(client.get(url).text)
    assert client.post(url, data={"csrf": csrf, "pictures": "1,2,3"}).status_code == 303


@pytest.mark.parametrize("who", ["tom", "other teacher", "admin"])
def test_outsiders_neither_read_nor_comment(settings: Settings, school: DemoSchool, who: str) -> None:
    post_id = publish(settings, school, moderated=False)
    with browser(settings) as outsider:
        if who == "tom":
            sign_in_tom(outsider, settings, school)
        else:
            sign_in_as(outsider, who, school)
        assert page(outsider, f"/blog/billet/{post_id}").status_code == 403
        assert page(outsider, f"/blog/classe/{school.class_id}").status_code == 403
        csrf = csrf_from(page(outsider, "/").text)
        sent = outsider.post(f"/blog/billet/{post_id}/commentaires", data={"csrf": csrf, "commentaire": "Coucou"})
        assert sent.status_code == 403
    assert comment_rows(settings, school) == []


def test_signed_out_readers_are_sent_to_sign_in(client: TestClient, settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school, moderated=False)
    answer = page(client, f"/blog/billet/{post_id}")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/connexion")
    assert client.post(f"/blog/billet/{post_id}/commentaires", data={"commentaire": "x"}).status_code == 401
