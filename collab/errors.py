"""The CollabError tree: every domain error carries its HTTP status and WebSocket close code.

Library errors are translated into these at the boundary (``raise X from exc``), so that
views answer with the right status and the hub closes a socket with the right code.
"""

from __future__ import annotations

import math

from collab.words import count

_MIB = 1024 * 1024


class CollabError(Exception):
    """Base of every error Binôme raises on purpose."""

    status: int = 500
    close_code: int = 1011
    #: The label under which a refused frame is counted in /metrics.
    reason: str = "server_error"
    #: A short French sentence that can be shown to a pupil or an adult: impersonal (neither
    #: « tu » nor « vous ») unless only pupils can meet it.
    public_message: str = "Le serveur a rencontré un problème. Nouvel essai dans un instant."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail or self.__class__.__name__


class BadRequest(CollabError):
    """A malformed frame, varint, update or request."""

    status = 400
    close_code = 4400
    reason = "bad_message"
    public_message = "Le message reçu est illisible."


class InvalidInput(BadRequest):
    """A form the user can fix: the French message says how, and is shown as it is."""

    reason = "invalid_input"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.public_message = message


class NotSignedIn(CollabError):
    status = 401
    close_code = 4401
    reason = "not_signed_in"
    public_message = "Il faut d'abord se connecter."


class Forbidden(CollabError):
    status = 403
    close_code = 4403
    reason = "forbidden"
    public_message = "Ce compte n'a pas le droit d'ouvrir cette page ou ce texte."


class ReadOnly(Forbidden):
    """A read-only peer tried to change a document."""

    reason = "read_only"
    public_message = "Ce texte est en lecture seule."


class ArchivedClass(Forbidden):
    """A change asked on a class of a past school year: its work is kept to be read, not changed."""

    reason = "archived_class"
    public_message = "Cette classe est archivée : son travail se lit encore, mais ne se modifie plus."


class NotFound(CollabError):
    status = 404
    close_code = 4404
    reason = "not_found"
    public_message = "Ce texte n'existe pas."


class ArchivedClassCode(CollabError):
    """The code (typed, or read from a sign-in card's QR code) of a class archived at the end of
    its school year: nobody signs in there any more (not ArchivedClass: a change refused)."""

    status = 410
    close_code = 4404
    reason = "archived_class_code"
    public_message = (
        "Cette classe est archivée : l'année scolaire est finie, on ne peut plus s'y connecter. "
        "Demande ta nouvelle carte à ta maîtresse ou à ton maître."
    )


class Locked(CollabError):
    """The document is locked by the teacher or already published."""

    status = 409
    close_code = 4409
    reason = "locked"
    public_message = "Ce texte est fermé : on ne peut plus l'écrire."


class Conflict(CollabError):
    """The thing asked for already exists or the state changed meanwhile (a second draft twice)."""

    status = 409
    close_code = 4409
    reason = "conflict"
    public_message = "C'est déjà fait."


class TooLarge(CollabError):
    status = 413
    close_code = 4413
    reason = "too_large"
    public_message = "C'est trop long pour être envoyé."


class DocumentTooLarge(TooLarge):
    """Accepting the update would make the document larger than allowed."""

    reason = "doc_too_large"
    public_message = "Ce texte est devenu trop long."


class RateLimited(CollabError):
    status = 429
    close_code = 4429
    reason = "rate_limited"
    public_message = "Trop de messages à la fois : il faut attendre un peu."


class Overloaded(CollabError):
    """A slow consumer or an overloaded server: the client may try again later."""

    status = 503
    close_code = 1013
    reason = "slow_consumer"
    public_message = "Le serveur est très occupé. Nouvel essai dans un instant."


class StorageUnavailable(CollabError):
    """The database does not answer (PostgreSQL stopped or unreachable): nothing was written, and
    nothing acknowledged; the client keeps its edits and tries again."""

    status = 503
    close_code = 1013
    reason = "storage_unavailable"
    public_message = "Le serveur ne peut pas enregistrer pour l'instant. Nouvel essai dans un instant."


class ServerError(CollabError):
    """Something failed on our side; the client may reconnect and resync."""

    status = 500
    close_code = 1011


class SchemaError(CollabError):
    """The database was written by a newer (or unknown) version of Binôme, or cannot hold its data
    (a PostgreSQL database whose encoding is not UTF-8)."""

    status = 500
    close_code = 1011


# -- presence (awareness) and pacing ----------------------------------------------------------


class PresenceTooLarge(TooLarge):
    """One awareness state is larger than COLLAB_AWARENESS_STATE_BYTES (4413)."""

    reason = "presence_too_large"
    public_message = "Ta présence (ton curseur, ton nom) prend trop de place."


class PresenceFull(TooLarge):
    """The room holds more presence than COLLAB_AWARENESS_ROOM_BYTES: the heaviest holder goes (4413)."""

    reason = "presence_full"
    public_message = "Trop d'informations de présence dans ce texte."


class TooManyConnections(RateLimited):
    """One person already holds COLLAB_CONNECTIONS_PER_DOCUMENT connections on this document."""

    reason = "too_many_connections"
    public_message = "Ce texte est déjà ouvert plusieurs fois sur ton compte. Ferme les autres pages."


class TooManyPresences(BadRequest):
    """A connection announced more awareness client ids than COLLAB_AWARENESS_IDS_PER_CONNECTION (4400):
    a Yjs document has one."""

    reason = "too_many_presences"
    public_message = "Cette connexion annonce trop de présences."


class ForgedPresence(Forbidden):
    """An awareness entry that only the server may announce (its client id, its ``binome`` field) or that
    belongs to another person's connection (4403)."""

    reason = "forged_presence"
    public_message = "Ce message de présence n'est pas le tien."


# -- sign-in --------------------------------------------------------------------------------------


class AccountLocked(CollabError):
    status = 429
    close_code = 4429
    reason = "locked_account"
    public_message = "Trop d'essais. Attends quelques minutes ou demande à ton enseignant de débloquer ton compte."

    def __init__(self, detail: str, retry_after: float = 60.0) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        minutes = minutes_to_wait(retry_after)
        self.public_message = (
            f"Trop d'essais. Attends {count(minutes, 'minute', 'minutes')} "
            "ou demande à ton enseignant de débloquer ton compte."
        )
        self.adult_message = (
            f"Trop d'essais pour ce compte. Attendez {count(minutes, 'minute', 'minutes')} avant de réessayer."
        )


def minutes_to_wait(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


class WrongCredentials(CollabError):
    status = 401
    close_code = 4401
    reason = "wrong_credentials"
    #: The pupils' picture form; the adults' form says ``adult_message`` (the same for an
    #: unknown login, so that the answer tells nothing about which logins exist).
    public_message = "Ce ne sont pas les bonnes images. Essaie encore."
    adult_message = "Ce n'est pas le bon mot de passe pour cet identifiant. Vérifiez-les, puis réessayez."


# -- web boundary: origins and bodies -------------------------------------------------------------


class ForeignOrigin(Forbidden):
    reason = "foreign_origin"
    public_message = "Cette page n'a pas le droit de se connecter à Binôme."


class BodyTooLarge(TooLarge):
    """A request body over its route's cap (declared or counted while streaming)."""

    reason = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        size = f"{limit // _MIB} Mo" if limit >= _MIB else f"{max(1, limit // 1024)} Ko"
        self.public_message = f"C'est trop gros pour être envoyé : {size} au plus."


# -- médiathèque and blog -------------------------------------------------------------------------


class MediaTooLarge(TooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(f"file over {limit} bytes")
        self.public_message = f"Ce fichier est trop gros : {limit // _MIB} Mo au plus."


class BlogConflict(Conflict):
    """The post or the comments are not in the state the action needs; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.public_message = message


class CsrfRejected(Forbidden):
    reason = "csrf"
    public_message = "Ce formulaire a expiré : il faut recharger la page et recommencer."


class SessionGone(NotFound):
    """The session expired or never existed: the client opens a new one (not permanent)."""

    close_code = 1001
    public_message = "La connexion de secours a expiré : nouvelle connexion…"


class CommentsClosed(BlogConflict):
    reason = "comments_closed"

    def __init__(self) -> None:
        super().__init__("Les commentaires sont fermés pour ce texte.")


class AdultsOnly(Forbidden):
    public_message = "Les élèves se connectent avec leurs images : ils n'ont pas de mot de passe à changer."


class ClassCodesBlocked(RateLimited):
    """This client typed too many unknown class codes: it waits for the end of the window."""

    reason = "class_codes"

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many unknown class codes from this client")
        self.retry_after = retry_after
        minutes = minutes_to_wait(retry_after)
        self.public_message = (
            "Trop de codes de classe inconnus ont été essayés depuis ce réseau. "
            f"Attends {count(minutes, 'minute', 'minutes')}, puis réessaie, "
            "ou demande à ton enseignant."
        )


class NotInSync(CollabError):
    """The version a pupil agreed with is not the one the server holds (an edit crossed it)."""

    status = 409
    close_code = 4409
    reason = "not_in_sync"
    public_message = "Le texte vient de changer : relisez-le, puis appuyez de nouveau sur « On est d'accord »."


class NotConnected(CollabError):
    status = 409
    close_code = 4409
    reason = "not_connected"
    public_message = "Ton texte n'est pas connecté : attends que le voyant soit vert, puis réessaie."
