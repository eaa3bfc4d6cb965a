"""Build collab/password_words.txt, the words of generated adult passwords, from Lexique 3.83.

Run once (the result is committed): ``.venv/bin/python scripts/make_password_words.py``.
Keeps common singular nouns of 4 to 8 plain letters (no accent, hyphen or apostrophe: easy to read
out and to type on any keyboard), one spelling per pronunciation (no "verre"/"vert" doubt when a
password is read aloud), without a few words not to hand to a parent, the most frequent first.
"""

from __future__ import annotations

import re
from pathlib import Path

from collab.correction.lexicon import lexique_path

WORD_COUNT = 2048
OUT = Path(__file__).resolve().parent.parent / "collab" / "accounts" / "password_words.txt"
_PLAIN = re.compile(r"[a-z]{4,8}")
#: Words one would rather not print on a parent's password slip.
_AVOID = set(
    """
    merde putain pute salope connard conne bite couille cul fesse fesses sexe sexy porno viol violeur
    nazi nazis pedophile drogue crack cocaine heroine suicide cancer cadavre meurtre meurtrier tueur
    sang mort morte guerre bombe arme armes fusil pistolet balle flingue tuerie prison crime criminel
    poison tombe cercueil enfer diable satan alcool whisky vodka biere vin cigarette tabac gueule
    chier pisse bordel nichon sein seins negre juif arabe race pauvre folle fou idiot stupide imbecile
    bourreau cadavres torture otage terreur peur haine douleur maladie malade mourir
    abruti amant assassin baise baiser bougre came capote culotte dope flic fric garce ivrogne mafia
    morgue nana pipi pognon poitrine salaud sida slip voleur voyou gros bide gang joint dire lacs zanzi zingaro
    """.split()  # noqa: SIM905
)


def main() -> None:
    best: dict[str, tuple[float, str]] = {}  # pronunciation -> (frequency, spelling)
    with open(lexique_path(), encoding="latin-1") as lines:
        next(lines)
        for line in lines:
            cols = line.rstrip("\n").split("\t")
            ortho, phon, lemma, cgram, number = cols[0], cols[1], cols[2], cols[3], cols[5]
            if cgram != "NOM" or ortho != lemma or number == "p" or not _PLAIN.fullmatch(ortho) or ortho in _AVOID:
                continue
            frequency = float(cols[8].replace(",", ".")) + float(cols[9].replace(",", "."))
            if phon not in best or frequency > best[phon][0]:
                best[phon] = (frequency, ortho)
    ranked = sorted(set(best.values()), key=lambda item: (-item[0], item[1]))
    words = sorted({spelling for _, spelling in ranked[:WORD_COUNT]})
    assert len(words) == WORD_COUNT, len(words)
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {OUT}")


if __name__ == "__main__":
    main()
