"""French words (collab/words.py): plurals, lists, durations and dates, the same in the browser
(static/js/words.js), and on the pages: no « texte(s) », adults addressed with « vous »."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from collab.correction.types import NOT_IN_LEXICON, WORD_ORDER, AgreementKind, Category, SegmentationKind
from collab.followup.productions import CATEGORY_NAMES, error_label
from collab.models import Pair, Role, User
from collab.words import ago, count, date_fr, datetime_fr, join_list, plural, time_fr
from tests.support.server import REPO

PARIS = ZoneInfo("Europe/Paris")
#: Thursday 12 November 2026, 09:00 in Paris.
NINE = datetime(2026, 11, 12, 9, 0, tzinfo=PARIS).timestamp()
MINUTE, HOUR, DAY = 60, 3600, 86400

#: seconds before 09:00 → what the teacher reads.
AGO = [
    (0, "à l'instant"),
    (5, "à l'instant"),
    (59, "à l'instant"),
    (60, "il y a 1\xa0min"),
    (61, "il y a 1\xa0min"),
    (90, "il y a 2\xa0min"),
    (59 * MINUTE, "il y a 59\xa0min"),
    (61 * MINUTE, "il y a 1\xa0h"),
    (2 * HOUR, "il y a 2\xa0h"),
    (9 * HOUR - MINUTE, "il y a 9\xa0h"),  # 00:01 today
    (9 * HOUR + MINUTE, "hier"),  # 23:59 yesterday
    (1437 * MINUTE, "hier"),  # 09:03 yesterday: never « il y a 1437 min »
    (30 * HOUR, "hier"),  # 03:00 yesterday
    (2 * DAY, "il y a 2 jours"),
    (3 * DAY, "il y a 3 jours"),
    (6 * DAY, "il y a 6 jours"),
    (7 * DAY, "le 5 novembre 2026"),
    (40 * DAY, "le 3 octobre 2026"),
]


@pytest.mark.parametrize(("n", "expected"), [(0, "0 texte"), (1, "1 texte"), (2, "2 textes"), (3, "3 textes")])
def test_counts_agree_in_french(n: int, expected: str) -> None:
    assert count(n, "texte", "textes") == expected


def test_plural_rules_are_frances() -> None:
    assert count(1.5, "faute", "fautes") == "1,5 faute"  # below 2: singular
    assert count(2.5, "faute", "fautes") == "2,5 fautes"
    assert count(1437, "minute", "minutes") == "1\u202f437 minutes"
    assert plural(1, "texte verrouillé", "textes verrouillés") == "texte verrouillé"
    assert plural(4, "texte verrouillé", "textes verrouillés") == "textes verrouillés"


def test_lists_read_as_in_french() -> None:
    assert join_list([]) == ""
    assert join_list(["Mila"]) == "Mila"
    assert join_list(["Mila", "Tom"]) == "Mila et Tom"
    assert join_list(["Mila", "Raphaël", "Tom"]) == "Mila, Raphaël et Tom"


def test_a_trio_is_named_as_a_list() -> None:
    members = tuple(User(i, f"p{i}", name, Role.PUPIL) for i, name in enumerate(["Mila", "Raphaël", "Tom"]))
    assert Pair(1, 1, 1, members, False).names == "Mila, Raphaël et Tom"
    assert Pair(1, 1, 1, members[:2], False).names == "Mila et Raphaël"


@pytest.mark.parametrize(("before", "expected"), AGO)
def test_durations_are_words(before: int, expected: str) -> None:
    assert ago(NINE - before, now=NINE) == expected


def test_just_after_midnight_hours_beat_yesterday() -> None:
    half_past_midnight = datetime(2026, 11, 12, 0, 30, tzinfo=PARIS).timestamp()
    assert ago(half_past_midnight - 2 * HOUR, now=half_past_midnight) == "il y a 2\xa0h"
    assert ago(half_past_midnight - 7 * HOUR, now=half_past_midnight) == "hier"


def test_dates_are_paris_wall_clock() -> None:
    summer = datetime(2026, 7, 3, 7, 5, 9, tzinfo=ZoneInfo("UTC")).timestamp()  # 09:05 in Paris (UTC+2)
    assert datetime_fr(summer) == "3 juillet 2026 à 09:05"
    assert date_fr(summer) == "3 juillet 2026"
    assert time_fr(summer) == "09:05:09"
    assert datetime_fr(NINE) == "12 novembre 2026 à 09:00"  # winter: UTC+1


def test_the_browser_says_the_same_as_the_server() -> None:
    """static/js/words.js (the dashboard's live « dernier : … ») on the same table as ago()."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node is required (it builds the browser bundle)")
    script = (
        f"require({json.dumps(str(REPO / 'static/js/words.js'))});"
        f"const table = {json.dumps([before for before, _ in AGO])};"
        f"const now = {NINE};"
        "console.log(JSON.stringify({"
        "ago: table.map((s) => binomeWords.ago(now - s, now)),"
        "list: binomeWords.joinList(['Mila', 'Raphaël', 'Tom']),"
        "words: [0, 1, 2].map((n) => binomeWords.count(n, 'mot', 'mots'))"
        "}))"
    )
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True)
    said = json.loads(done.stdout)
    assert said["ago"] == [expected for _, expected in AGO]
    assert said["list"] == "Mila, Raphaël et Tom"
    assert said["words"] == ["0 mot", "1 mot", "2 mots"]


def test_an_error_label_never_says_a_word_twice() -> None:
    assert error_label("agreement", "past_participle") == "accord du participe passé"
    assert error_label("segmentation", "apostrophe") == "découpage des mots (apostrophe)"
    assert error_label("homophone", "") == "homophone"
    found = [(Category.AGREEMENT, kind) for kind in AgreementKind] + [
        (Category.SEGMENTATION, kind) for kind in SegmentationKind
    ]
    for category, detail in [*found, (Category.LEXICAL, WORD_ORDER), (Category.LEXICAL, NOT_IN_LEXICON)]:
        label = error_label(category.value, detail)
        first_word = CATEGORY_NAMES[category.value].split()[0]
        assert re.findall(r"\w+", label).count(first_word) == 1, label
    assert len(set(CATEGORY_NAMES.values())) == len(CATEGORY_NAMES)  # no two categories share a label


# -- the templates, read as files ------------------------------------------------------------------

TEMPLATES = REPO / "templates"
#: Pages only adults see (teachers, administrators, parents): « vous », never « tu ».
ADULT_TEMPLATES = [
    *sorted((TEMPLATES / "teacher").glob("*.html")),
    *sorted((TEMPLATES / "admin").glob("*.html")),
    *(TEMPLATES / "home" / name for name in ("teacher.html", "admin.html", "parent.html")),
    TEMPLATES / "auth" / "password.html",
    TEMPLATES / "blog" / "moderation.html",
    TEMPLATES / "blog" / "_post_actions.html",
]
#: « tu »-form words: pronouns and the imperatives pages use.
TU_WORDS = re.compile(
    r"\b(tu|ton|ta|tes|toi|te|t'|essaie|recharge|attends|demande|vérifie|touche|appuie|choisis|recommence|"
    r"réessaie|regarde|écris|clique|reviens)\b",
    re.IGNORECASE,
)


#: « texte(s) », « connecté(e) », « ajouté(e)s »…
HAND_PLURAL = re.compile(r"[a-zéèê]\((s|e|es)\)s?")


def _words_of(template: str) -> str:
    """The French a page shows: Jinja tags, HTML tags and comments removed."""
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_no_template_writes_a_plural_by_hand() -> None:
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not HAND_PLURAL.search(text), path
        assert not re.search(r"\"s\" if", text), path  # use count() / plural()
        assert not re.search(r"\bles \{\{", text), path  # « les {{ n }} … » reads « les 1 texte »
        assert 'join(" et ")' not in text, path  # use join_list: « Mila, Raphaël et Tom »


def test_no_script_writes_a_plural_by_hand() -> None:
    sources = [*sorted((REPO / "static" / "js").glob("*.js")), REPO / "frontend" / "src" / "messages.js"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not HAND_PLURAL.search(text) and not re.search(r"> 1 \? '[^']*s'", text), path
        assert "join(' et ')" not in text, path


def test_no_python_message_writes_a_plural_by_hand() -> None:
    for path in sorted((REPO / "collab").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"[a-zé]\(s\)", text.replace("text(s)", "").replace("connection(s)", "")), path
        assert "'s' if" not in text and '"s" if' not in text, path


def test_adults_are_addressed_with_vous() -> None:
    for path in ADULT_TEMPLATES:
        found = TU_WORDS.findall(_words_of(path.read_text(encoding="utf-8")))
        assert not found, (path.name, found)
