"""Making pairs at random: pairs of two, one trio when the class count is odd, and never
two pupils the teacher keeps apart in the same group. Pure."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from collab.errors import InvalidInput


def group_sizes(count: int) -> list[int]:
    """Pairs, with one trio when the count is odd (a lone pupil is never left out)."""
    if count < 2:
        return [count] if count else []
    sizes = [2] * (count // 2)
    if count % 2:
        sizes[-1] = 3
    return sizes


def random_groups(
    pupils: Sequence[int], kept_apart: Collection[frozenset[int]], rng: random.Random, attempts: int = 500
) -> list[list[int]]:
    """Random pairs (and a trio if needed) that respect every keep-apart rule."""
    sizes = group_sizes(len(pupils))
    for _ in range(attempts):
        order = list(pupils)
        rng.shuffle(order)
        groups: list[list[int]] = []
        start = 0
        for size in sizes:
            groups.append(order[start : start + size])
            start += size
        if all(not _breaks(group, kept_apart) for group in groups):
            return groups
    raise InvalidInput("impossible de former des binômes qui respectent toutes les séparations demandées")


def _breaks(group: Sequence[int], kept_apart: Collection[frozenset[int]]) -> bool:
    return any(frozenset((a, b)) in kept_apart for i, a in enumerate(group) for b in group[i + 1 :])
