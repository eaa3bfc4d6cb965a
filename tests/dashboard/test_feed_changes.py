"""The class feed's text changes: what a dashboard keeps of the text it has. Pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from collab.dashboard.screens import common_prefix


@given(st.text(max_size=40), st.text(max_size=40))
def test_common_prefix_is_the_longest_shared_start(old: str, new: str) -> None:
    keep = common_prefix(old, new)
    assert old[:keep] == new[:keep]
    assert keep == min(len(old), len(new)) or old[keep] != new[keep]


@given(st.text(max_size=40), st.text(max_size=10), st.text(max_size=40))
def test_kept_and_added_rebuild_the_new_text(start: str, middle: str, end: str) -> None:
    old, new = start + end, start + middle + end
    keep = common_prefix(old, new)
    assert keep >= len(start) and old[:keep] + new[keep:] == new
