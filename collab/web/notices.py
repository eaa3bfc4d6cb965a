"""What a page says after a form: the redirect carries a code (and, for some, a count); the page
looks the sentence up in this one table. Nothing written in the address is ever shown, so a
crafted link cannot put words (or markup) on a Binôme page; an unknown code shows nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import HTTPConnection

from collab.words import count, number

NOTICES = {
    # The class: roster, pictures, parents, pairs.
    "prenom": "prénom modifié",
    "eleve-retire": "l'élève a quitté la classe",
    "images": "nouvelles images données : imprimez sa nouvelle carte",
    "debloque": "compte débloqué",
    "parent-relie": "parent relié à l'élève",
    "binomes-hasard": "nouveaux binômes tirés au sort",
    "binomes": "binômes enregistrés",
    "separation": "séparation enregistrée",
    "separation-retiree": "séparation retirée",
    # The school administration.
    "classe-creee": "classe créée",
    # The médiathèque and its phrases.
    "fichier-depose": "fichier déposé",
    "fichier-renomme": "fichier renommé",
    "fichier-supprime": "fichier supprimé",
    "coupure-deplacee": "coupure déplacée",
    "phrases-reunies": "phrases réunies",
    "phrase-coupee": "phrase coupée en deux",
    "decoupage-auto": "découpage automatique rétabli",
    # Tasks.
    "tache-creee": "tâche créée",
    "tache-terminee": "tâche terminée : l'écriture est fermée",
    # Follow-up.
    "bareme": "barème enregistré",
    "variante-acceptee": "variante acceptée",
    "variante-retiree": "variante retirée",
    "correction": "correction modifiée",
    "annotation": "annotation ajoutée",
    "annotation-retiree": "annotation retirée",
    "commentaire": "commentaire enregistré",
    "commentaire-retire": "commentaire retiré",
    "jet-suivant": "le jet suivant est prêt : le binôme le trouve sur sa page",
    # The blog.
    "publie": "Le texte est publié sur le blog.",
    "retire": "Le texte est retiré du blog : il attend de nouveau votre décision.",
    "renvoye": "Le texte est renvoyé au binôme : il peut de nouveau l'écrire.",
    "moderation-oui": "Les textes attendront votre accord avant d'être publiés.",
    "moderation-non": "Les textes seront publiés dès que le binôme est d'accord.",
    "mode": "Le réglage des commentaires est enregistré.",
    "fermes": "Tous les commentaires sont fermés et cachés.",
    "ouverts": "Les commentaires sont de nouveau ouverts.",
    "cle": "Nouvelle adresse du flux : l'ancienne ne marche plus.",
    "envoye": "Commentaire envoyé : il sera affiché quand l'enseignant l'aura validé.",
    "affiche": "Commentaire publié.",
    "accepte": "Commentaire accepté : tout le monde le voit.",
    "refuse": "Commentaire refusé : seuls les enseignants le voient.",
    "supprime": "Commentaire supprimé.",
}

#: Notices that carry a count: the words for one (or none) and for several (collab.words.count).
COUNTED_NOTICES = {
    "eleves-ajoutes": ("élève ajouté", "élèves ajoutés"),
    "eleves-importes": ("élève importé", "élèves importés"),
    "classes-archivees": ("classe archivée", "classes archivées"),
    "textes-verrouilles": ("texte mis en pause", "textes mis en pause"),
    "textes-deverrouilles": ("texte rouvert", "textes rouverts"),
    "eleves-repris": ("élève repris de l'an dernier", "élèves repris de l'an dernier"),
}

_MAX_COUNT_DIGITS = 6


def with_notice(url: object, code: str, count: int | None = None) -> str:
    """``url`` with the notice ``code`` (one of NOTICES or COUNTED_NOTICES) and its count, if it has one."""
    if code not in NOTICES and code not in COUNTED_NOTICES:
        raise KeyError(f"unknown notice {code!r}")
    query = {"ok": code} if count is None else {"ok": code, "n": str(count)}
    return f"{url}?{urlencode(query)}"


def notice_of(conn: HTTPConnection) -> str:
    """The sentence for the code in the address; "" for no code, an unknown one or a bad count."""
    code = conn.query_params.get("ok", "")
    text = NOTICES.get(code, "")
    if code not in COUNTED_NOTICES and "{n}" not in text:
        return text
    raw = conn.query_params.get("n", "")
    if not raw.isdigit() or len(raw) > _MAX_COUNT_DIGITS:
        return ""
    if code in COUNTED_NOTICES:
        return count(int(raw), *COUNTED_NOTICES[code])
    return text.replace("{n}", number(int(raw)))
