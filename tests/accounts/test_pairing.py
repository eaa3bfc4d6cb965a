"""Random pairs: pairs of two, one trio when odd, keep-apart rules respected."""

from __future__ import annotations

import random

import pytest

from collab.accounts.pairing import group_sizes, random_groups
from collab.errors import BadRequest


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(0, []), (1, [1]), (2, [2]), (3, [3]), (4, [2, 2]), (5, [2, 3]), (24, [2] * 12), (25, [2] * 11 + [3])],
)
def test_group_sizes(count: int, sizes: list[int]) -> None:
    assert group_sizes(count) == sizes


def test_random_groups_cover_everyone_once_and_respect_keep_apart() -> None:
    pupils = list(range(1, 24))  # 23 pupils: 10 pairs and a trio
    apart = {frozenset((1, 2)), frozenset((3, 4)), frozenset((1, 5))}
    for seed in range(50):
        groups = random_groups(pupils, apart, random.Random(seed))
        assert sorted(p for g in groups for p in g) == pupils
        assert sorted(len(g) for g in groups) == [2] * 10 + [3]
        for g in groups:
            assert not any(frozenset((a, b)) in apart for a in g for b in g if a != b)


def test_impossible_constraints_are_explained_in_french() -> None:
    with pytest.raises(BadRequest, match="impossible de former des binômes"):
        random_groups([1, 2], {frozenset((1, 2))}, random.Random(0))
