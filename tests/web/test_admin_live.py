"""The administrators' live page (issue 13, point 10): counts per school, the same as /metrics,
for administrators only, each seeing their own schools."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from collab.accounts.passwords import hash_password, password_hasher
from collab.models import Access, Role
from collab.realtime.metrics import CommitWindow
from collab.settings import Settings
from tests.support.server import ServerThread
from tests.support.web import OTHER_PASSWORD, AsWho, DemoSchool, sign_in_adult, sign_in_as
from tests.support.web import browser as web_browser

pytestmark = pytest.mark.anyio

PAGE, DATA = "/admin/en-direct", "/admin/en-direct.json"


def test_only_administrators_open_the_live_page(as_who: AsWho, client: TestClient) -> None:
    for who in ("teacher", "parent", "lea"):
        browser = as_who(who)
        assert browser.get(PAGE).status_code == 403, who
        assert browser.get(DATA).status_code == 403, who
    assert client.get(DATA).status_code == 401
    assert client.get(PAGE, headers={"accept": "text/html"}).status_code == 303  # to the sign-in page
    admin = as_who("admin")
    assert admin.get(PAGE).status_code == 200
    assert "En direct" in admin.get("/").text  # the admin's home leads there


def test_recent_commits_forget_what_is_older_than_the_window() -> None:
    now = [1000.0]
    window = CommitWindow(window=60, clock=lambda: now[0])
    for _ in range(99):
        window.observe(0.0008)
    window.observe(0.3)
    recent = window.summary()
    assert (recent.count, recent.slowest, recent.p99) == (100, 0.3, 0.001)
    now[0] += 30
    window.observe(0.004)
    assert window.summary().count == 101
    now[0] += 45  # the first burst is older than a minute now
    recent = window.summary()
    assert (recent.count, recent.slowest, recent.p99) == (1, 0.004, 0.004)


def _cookie(settings: Settings, school: DemoSchool, who: str = "", login: str = "") -> dict[str, str]:
    with web_browser(settings) as client:
        if login:
            assert sign_in_adult(client, login, OTHER_PASSWORD)[0] == 303
        else:
            sign_in_as(client, who, school)
        return {"cookie": f"binome_session={client.cookies['binome_session']}"}


def _scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _hugo_writer(server: ServerThread, school: DemoSchool) -> tuple[str, str, int]:
    """A pupil of another school (Victor Hugo) with a text of her own; the commune's administrator."""
    store = server.hub.store
    zoe = await store.accounts.ensure_user("zoe.hugo", "Zoé", Role.PUPIL)
    await store.schools.add_pupil(school.other_school_class_id, zoe.id)
    await store.documents.ensure_document("hugo-texte", "Un texte", class_id=school.other_school_class_id)
    await store.documents.set_members("hugo-texte", [(zoe.id, Access.WRITE)])
    mayor = await store.accounts.ensure_user("mairie.montpellier", "Mairie de Montpellier", Role.ADMIN)
    commune_id = await store.schools.commune_id("Montpellier")
    await store.schools.add_admin_scope(mayor.id, commune_id=commune_id)
    await store.accounts.set_password_hash(mayor.id, hash_password(password_hasher(server.settings), OTHER_PASSWORD))
    klass = await store.schools.get_class(school.other_school_class_id)
    assert klass is not None
    return await store.accounts.create_token(zoe.id), "hugo-texte", klass.school_id


async def test_each_administrator_sees_their_schools_live_as_metrics_count_them(
    school: DemoSchool, settings: Settings, server: ServerThread
) -> None:
    store = server.hub.store
    token = {
        who: await server.call(store.accounts.create_token(user_id))
        for who, user_id in (("lea", school.lea_id), ("noe", school.noe_id))
    }
    teacher = await server.call(store.accounts.get_user_by_login("mme.durand"))
    assert teacher is not None
    teacher_token = await server.call(store.accounts.create_token(teacher.id))
    zoe_token, hugo_doc, hugo_id = await server.call(_hugo_writer(server, school))
    jean_mace = (await server.call(store.schools.get_class(school.class_id))).school_id  # type: ignore[union-attr]

    lea = await server.open(school.lea_doc, token["lea"])
    noe = await server.open(school.lea_doc, token["noe"])
    zoe = await server.open(hugo_doc, zoe_token)
    await lea.append("Le loup ")
    await noe.wait_text("Le loup ")
    await noe.append("court.")
    await lea.wait_text("Le loup court.")
    await zoe.append("Il était une fois")
    # The teacher watches (reads) and tries to write: refused, counted for Jean Macé.
    watcher = await server.open(school.lea_doc, teacher_token)
    await watcher.append("!")
    assert await watcher.wait_closed() == 4403

    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        school_admin = (await http.get(DATA, headers=_cookie(settings, school, "admin"))).json()
        hugo_admin = (await http.get(DATA, headers=_cookie(settings, school, login="admin.hugo"))).json()
        mayor = (await http.get(DATA, headers=_cookie(settings, school, login="mairie.montpellier"))).json()
        metrics = _scrape((await http.get("/metrics")).text)

    # A school's administrator: their school only, no server totals.
    [mine] = school_admin["schools"]
    assert mine["id"] == jean_mace and mine["name"] == "École Jean Macé"
    assert (mine["pupils_writing"], mine["rooms"], mine["connections"]) == (2, 1, 2)
    assert mine["refused"] == [{"reason": "read_only", "label": "écriture sans droit d'écrire", "count": 1}]
    assert school_admin["totals"] is None
    [theirs] = hugo_admin["schools"]
    assert theirs["id"] == hugo_id
    assert (theirs["pupils_writing"], theirs["connections"], theirs["refused"]) == (1, 1, [])
    assert "Jean Macé" not in str(hugo_admin) and "Hugo" not in str(school_admin)
    # Counts only: no pupil's name, no text.
    for figures in (school_admin, hugo_admin, mayor):
        for secret in ("Léa", "Noé", "Zoé", "loup", "Il était"):
            assert secret not in str(figures)

    # The commune's administrator: every school of the commune, and the server's totals.
    rows = {row["id"]: row for row in mayor["schools"]}
    assert {jean_mace, hugo_id} <= set(rows)
    # The same figures as /metrics.
    for school_id, row in rows.items():
        labels = (("school", str(school_id)),)
        assert row["rooms"] == metrics.get(("collab_school_rooms_open", labels), 0)
        assert row["connections"] == metrics.get(("collab_school_connections", labels), 0)
        assert row["pupils_writing"] == metrics.get(("collab_school_pupils_writing", labels), 0)
    refused = (("reason", "read_only"), ("school", str(jean_mace)))
    assert metrics[("collab_school_refused_frames_total", refused)] == 1
    totals = mayor["totals"]
    assert totals["connections"] == metrics[("collab_connections", ())] == 3
    assert totals["rooms"] == metrics[("collab_rooms_open", ())] == 2
    assert {"reason": "read_only", "label": "écriture sans droit d'écrire", "count": 1} in totals["refused"]
    commits = mayor["commits"]
    assert commits["count"] == metrics[("collab_recent_commits", ())] >= 3
    assert commits["max_ms"] == round(metrics[("collab_recent_commit_max_seconds", ())] * 1000, 1) > 0
    assert commits["p99_ms"] == round(metrics[("collab_recent_commit_p99_seconds", ())] * 1000, 1) > 0
    assert school_admin["commits"] == commits  # the server's commits concern every school

    for client in (lea, noe, zoe):
        await client.close()


def test_every_refusal_reason_has_french_words() -> None:
    """The live page names each refusal in French, whatever error class a refusal comes from."""
    import importlib
    import pkgutil

    import collab

    for module in pkgutil.walk_packages(collab.__path__, "collab."):  # every error class, wherever it is defined
        importlib.import_module(module.name)
    from collab.errors import CollabError
    from collab.web.live import REFUSAL_LABELS

    def every(cls: type[CollabError]) -> list[type[CollabError]]:
        return [cls, *(sub for child in cls.__subclasses__() for sub in every(child))]

    reasons = {error.reason for error in every(CollabError)}
    assert reasons - set(REFUSAL_LABELS) == set()
