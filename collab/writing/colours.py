"""How every page draws a pair: each member in their colour, the same on the pupils' screens
(the writing room), the teacher's dashboard, the replay and the follow-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from collab.models import Pair, User

#: Partner colours (Okabe–Ito: told apart by colour-blind eyes too).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def coloured(members: Sequence[User]) -> list[dict[str, Any]]:
    """A pair's members as the pages draw them: id, name and their colour (same order, same colour
    on the pupils' screens, the dashboard and the replay)."""
    return [{"id": m.id, "name": m.display_name, "colour": COLOURS[i % len(COLOURS)]} for i, m in enumerate(members)]


#: The colour of an erased member's writing (no id: their updates have no author any more).
FORMER_COLOUR = "#5b6475"


def pair_authors(pair: Pair | None) -> list[dict[str, Any]]:
    """The authors of a pair's texts as the teacher's pages draw them: its members, and « un ancien
    élève » (id None, grey) for each member whose data was erased."""
    if pair is None:
        return []
    former = pair.author_names[: 1 if pair.former_members else 0]
    return [{"id": None, "name": name, "colour": FORMER_COLOUR} for name in former] + coloured(pair.members)
