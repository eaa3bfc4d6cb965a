"""The demo school's dictation: its reference text, phrase by phrase as it is read aloud.

``demo/dictee-le-marche.mp3`` was made from these phrases by ``scripts/make_demo_dictation.py``
(espeak-ng's French voice, a pause between phrases)."""

from __future__ import annotations

TITLE = "Dictée : le marché du village"
AUDIO_FILE = "dictee-le-marche.mp3"

PHRASES = (
    "Le marché du village.",
    "Chaque samedi matin, le marché s'installe sur la place du village.",
    "Les marchands arrivent très tôt avec leurs camions chargés de fruits et de légumes.",
    "Ma grand-mère choisit toujours les plus belles pommes.",
    "Elle discute longtemps avec la fromagère, qui lui donne parfois un petit morceau à goûter.",
    "Moi, je préfère regarder les poissons brillants posés sur la glace.",
    "À midi, nous rentrons à la maison, les paniers pleins et le ventre vide.",
)

REFERENCE = PHRASES[0] + "\n" + " ".join(PHRASES[1:])

INSTRUCTIONS = (
    "L'un de vous écoute la dictée phrase par phrase et la redit à voix haute ; l'autre tape. "
    "Relisez ensemble, puis appuyez tous les deux sur « On est d'accord »."
)

PORTRAIT_TITLE = "Mon portrait physique et moral"
PORTRAIT_INSTRUCTIONS = (
    "Écrivez à deux le portrait de l'un de vous : d'abord comment il est (taille, cheveux, yeux, "
    "vêtements), puis son caractère (ce qu'il aime, ce qui le fait rire, ses qualités). "
    "Cinq phrases au moins, avec des adjectifs bien accordés."
)
