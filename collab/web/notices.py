"""What a page says after a form: the redirect carries a code (and, for some, a count, signed for
this browser in a short-lived cookie); the page looks the sentence up in this one table. Nothing
written in the address is ever shown, so a crafted link cannot put words (or markup) on a Binôme
page: an unknown code, or a count changed or not signed, shows nothing. A page that answers a
form itself (no redirect) says a notice of NAMED_NOTICES, with the names it carries."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from starlette.requests import HTTPConnection
from starlette.responses import RedirectResponse

from collab.web.auth import SESSION_COOKIE, set_cookie
from collab.words import count

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

#: Notices shown on the page that answers a form (never through an address), with the names
#: they carry: ``notice(code, **values)``.
NAMED_NOTICES = {
    "parent-relie-a": "parent relié à {name}",
    "compte-enseignant": "compte enseignant {login} créé",
}

_MAX_COUNT_DIGITS = 6
#: The cookie that vouches for a counted notice: the signature of its code and count, for this
#: browser only, for a few minutes. The address stays readable (``?ok=eleves-ajoutes&n=2``).
NOTICE_COOKIE = "binome_notice"
_NOTICE_SECONDS = 300


def _signature(conn: HTTPConnection, code: str, raw_count: str) -> str:
    """The signature of a count for this browser: keyed with its session cookie, which only this
    browser and the server know. Any worker can check it (nothing is kept in a process), and it
    is worthless in another browser or after signing out. No session: no signature."""
    session = conn.cookies.get(SESSION_COOKIE, "")
    if not session:
        return ""
    key = hashlib.sha256(f"binome-notice:{session}".encode()).digest()
    digest = hmac.new(key, f"{code}:{raw_count}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def redirect_with_notice(
    conn: HTTPConnection, url: object, code: str, count: int | None = None, *, fragment: str = ""
) -> RedirectResponse:
    """The 303 back to ``url`` that says notice ``code`` (one of NOTICES, or of COUNTED_NOTICES with
    its ``count``). A count is shown only to the browser this answer signs it for (a cookie):
    a link made elsewhere, or a count changed in the address, shows nothing."""
    if code in NOTICES and count is None:
        query = {"ok": code}
    elif code in COUNTED_NOTICES and count is not None:
        query = {"ok": code, "n": str(count)}
    else:
        raise KeyError(f"unknown notice {code!r} (with count {count!r})")
    response = RedirectResponse(f"{url}?{urlencode(query)}{fragment}", status_code=303)
    signature = _signature(conn, code, str(count)) if count is not None else ""
    if signature:
        settings = conn.app.state.settings
        set_cookie(response, settings, NOTICE_COOKIE, signature, _NOTICE_SECONDS)
    return response


def notice_of(conn: HTTPConnection) -> str:
    """The sentence for the code in the address; "" for no code, an unknown one, or a count that
    is malformed or not vouched for by this browser's notice cookie."""
    code = conn.query_params.get("ok", "")
    if code in NOTICES:
        return NOTICES[code]
    if code not in COUNTED_NOTICES:
        return ""
    raw = conn.query_params.get("n", "")
    if not raw.isdigit() or len(raw) > _MAX_COUNT_DIGITS:
        return ""
    expected = _signature(conn, code, raw)
    if not expected or not hmac.compare_digest(conn.cookies.get(NOTICE_COOKIE, ""), expected):
        return ""
    return count(int(raw), *COUNTED_NOTICES[code])


def notice(code: str, **values: str) -> str:
    """A notice of NAMED_NOTICES with its values, for the page that answers a form."""
    return NAMED_NOTICES[code].format(**values)
