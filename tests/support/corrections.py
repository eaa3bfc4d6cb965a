"""What correction tests compare: a correction's errors as labels."""

from __future__ import annotations

from collab.correction.correct import Correction


def labels(correction: Correction) -> list[str]:
    """ "agreement:noun_group", "homophone", … in text order."""
    return [e.category.value + (f":{e.detail}" if e.detail else "") for e in correction.errors]
