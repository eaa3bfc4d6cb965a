"""The states of a pair's text, as every adult's page names them (one vocabulary, defined here).

A text's state is derived from the data, never stored: the document's status, its blog post
(waiting for the teacher or online), whether the teacher sent it back, and the task's writing
window. The dashboard (server and live feed), the task page, the follow-up, the replay and the
exports all show ``state.label``. No I/O here: the store reads the facts (``TextFacts``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from collab.models import DocStatus


class TextState(enum.StrEnum):
    NOT_OPEN = "not_open"  # the task's window has not opened yet
    WRITING = "writing"  # the pair may write
    PAUSED = "paused"  # locked by the teacher
    ENDED = "ended"  # the task's window closed before both agreed
    SENT = "sent"  # both agreed: the text waits for the teacher's approval
    PUBLISHED = "published"  # on the class blog
    SENT_BACK = "sent_back"  # the teacher sent it back to the pair, who write again

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def pupil_label(self) -> str:
        return PUPIL_LABELS[self]

    @property
    def hint(self) -> str:
        return HINTS[self]

    @property
    def writable(self) -> bool:
        """The pair may write now (what the dashboard flags when nobody does)."""
        return self in (TextState.WRITING, TextState.SENT_BACK)

    @property
    def lockable(self) -> bool:
        """The teacher may lock or unlock the text (it has not been agreed on, the task is on)."""
        return self in (TextState.NOT_OPEN, TextState.WRITING, TextState.SENT_BACK, TextState.PAUSED)


#: The short words adults read on tags (dashboard, task page, follow-up, replay, exports).
LABELS = {
    TextState.NOT_OPEN: "pas encore ouvert",
    TextState.WRITING: "en cours",
    TextState.PAUSED: "en pause",
    TextState.ENDED: "terminé",
    TextState.SENT: "envoyé (à valider)",
    TextState.PUBLISHED: "publié",
    TextState.SENT_BACK: "renvoyé",
}
#: The same states as a pupil reads them on her home page (« tu », the teacher named as the pupils' pages do).
PUPIL_LABELS = {
    TextState.NOT_OPEN: "pas encore ouvert",
    TextState.WRITING: "à écrire",
    TextState.PAUSED: "en pause",
    TextState.ENDED: "terminé",
    TextState.SENT: "envoyé à la maîtresse ou au maître",
    TextState.PUBLISHED: "publié sur le blog",
    TextState.SENT_BACK: "à reprendre",
}
#: One sentence more, for a tooltip or a legend.
HINTS = {
    TextState.NOT_OPEN: "La tâche n'est pas encore ouverte : le binôme ne peut pas encore écrire.",
    TextState.WRITING: "Le binôme écrit.",
    TextState.PAUSED: "Vous avez mis ce texte en pause : le binôme peut le relire, pas l'écrire.",
    TextState.ENDED: "La tâche est terminée : le texte n'a pas été envoyé.",
    TextState.SENT: "Le binôme est d'accord : le texte attend votre validation pour paraître sur le blog.",
    TextState.PUBLISHED: "Le texte est sur le blog de la classe.",
    TextState.SENT_BACK: "Vous avez renvoyé ce texte au binôme : il le reprend.",
}


@dataclass(frozen=True, slots=True)
class TextFacts:
    """What a text's state is derived from."""

    status: DocStatus
    #: The text's blog post: "submitted" (waits for the teacher), "published", or None.
    post_status: str | None = None
    #: The teacher sent the text back to the pair since it was last agreed on.
    sent_back: bool = False
    #: The task's writing window (first drafts only; None: no limit on that side).
    opens_at: float | None = None
    closes_at: float | None = None
    #: The text was sent back after its task ended: the pair writes again until the task ends again.
    sent_back_after_end: bool = False


def text_state(facts: TextFacts, now: float) -> TextState:
    """The state of a text at ``now``."""
    if facts.post_status is not None:
        return TextState.PUBLISHED if facts.post_status == "published" else TextState.SENT
    if facts.status is DocStatus.PUBLISHED:  # agreed on, its post since removed
        return TextState.SENT
    if facts.status is DocStatus.LOCKED:
        return TextState.PAUSED
    if facts.closes_at is not None and now >= facts.closes_at:
        return TextState.SENT_BACK if facts.sent_back_after_end else TextState.ENDED
    if facts.opens_at is not None and now < facts.opens_at:
        return TextState.NOT_OPEN
    return TextState.SENT_BACK if facts.sent_back else TextState.WRITING


def vocabulary() -> dict[str, str]:
    """Every state's label by its value (for scripts that draw states they receive)."""
    return {state.value: state.label for state in TextState}
