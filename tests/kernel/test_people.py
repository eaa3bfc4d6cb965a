"""Names, their French alphabetical order, and the logins made from them."""

from __future__ import annotations

from collab.people import clean_name, login_base, sort_key


def test_names_sort_as_in_french() -> None:
    assert sorted(["Lucas", "Léa", "émile", "Zoé", "Adam"], key=sort_key) == ["Adam", "émile", "Léa", "Lucas", "Zoé"]


def test_logins_are_readable_ascii() -> None:
    assert login_base("  Léa  Martin-Dupré ", "ENYQ3E") == "lea.martin-dupre.enyq3e"
    assert login_base("!!!", "ABC") == "eleve.abc"


def test_clean_name_trims_and_caps() -> None:
    assert clean_name("  Léa \t M. ") == "Léa M."
    assert len(clean_name("x" * 500)) == 60
