"""The sequencer: updates applied in the log's order, each once, whatever the bus does to them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from collab.realtime.sequencing import Sequencer


def seqs(applied: list[tuple[int, str]]) -> list[int]:
    return [seq for seq, _ in applied]


def test_in_order_updates_apply_at_once() -> None:
    s = Sequencer[str](3)
    assert s.offer(4, "d", 0.0) == [(4, "d")]
    assert s.offer(5, "e", 0.0) == [(5, "e")]
    assert s.watermark == 5
    assert s.repair_at is None


def test_duplicates_and_old_updates_are_dropped() -> None:
    s = Sequencer[str](3)
    assert s.offer(3, "c", 0.0) == []
    assert s.offer(1, "a", 0.0) == []
    assert s.offer(5, "e", 0.0) == []
    assert s.offer(5, "e", 0.0) == []
    assert s.duplicates == 3
    assert s.buffered == 1


def test_an_update_that_closes_a_gap_drains_those_kept() -> None:
    s = Sequencer[str](0)
    assert s.offer(3, "c", 0.0) == []
    assert s.offer(2, "b", 0.0) == []
    assert s.offer(1, "a", 0.0) == [(1, "a"), (2, "b"), (3, "c")]
    assert s.watermark == 3
    assert s.buffered == 0
    assert s.repair_at is None


def test_a_gap_is_repaired_after_its_deadline() -> None:
    s = Sequencer[str](10, gap_seconds=0.05)
    s.offer(12, "l", 1.0)
    assert s.repair_at == pytest.approx(1.05)
    assert not s.repair_due(1.04)
    assert s.repair_due(1.05)
    assert s.begin_repair(1.06) == 10
    assert s.repairing and s.repair_at is None
    assert seqs(s.finish_repair([(11, "k"), (12, "l"), (13, "m")])) == [11, 12, 13]
    assert s.watermark == 13
    assert s.repair_at is None
    assert s.repairs == 1


def test_a_second_gap_waits_from_when_the_first_closed() -> None:
    s = Sequencer[str](0, gap_seconds=0.05)
    s.offer(2, "b", 1.0)
    s.offer(4, "d", 1.01)
    assert s.offer(1, "a", 1.03) == [(1, "a"), (2, "b")]
    assert s.repair_at == pytest.approx(1.08)


def test_too_much_kept_means_repair_now() -> None:
    s = Sequencer[int](0, max_buffered=3)
    for seq in range(2, 6):
        s.offer(seq, seq, 0.0)
    assert s.buffered == 3  # the fourth was not kept: the log has it
    assert s.repair_due(0.0)
    s.begin_repair(0.0)
    assert seqs(s.finish_repair([(n, n) for n in range(1, 7)])) == list(range(1, 7))
    assert s.watermark == 6 and s.buffered == 0 and not s.repair_due(10.0)


def test_updates_arriving_during_a_repair_are_applied_once() -> None:
    s = Sequencer[str](0)
    s.offer(2, "b", 0.0)
    after = s.begin_repair(0.1)
    assert s.offer(1, "a", 0.12) == [(1, "a"), (2, "b")]  # the bus brought it while the log was read
    assert s.offer(4, "d", 0.13) == []  # and this one, past a new gap
    assert s.finish_repair([(1, "a"), (2, "b"), (3, "c")][after:]) == [(3, "c"), (4, "d")]
    assert s.watermark == 4


def test_updates_kept_that_the_log_never_had_are_dropped() -> None:
    s = Sequencer[str](0)
    s.offer(1, "a", 0.0)
    s.offer(7, "bogus", 0.0)  # received before the read began: it would be in the log
    s.begin_repair(1.0)
    s.offer(9, "on its way", 1.5)  # received during the read: it may be committed after it
    assert s.finish_repair([(2, "b")]) == [(2, "b")]
    assert s.discarded == 1
    assert s.buffered == 1
    assert s.repair_at == pytest.approx(1.0 + 0.05)


def test_a_failed_repair_is_tried_again_at_once() -> None:
    s = Sequencer[str](0)
    s.offer(2, "b", 0.0)
    s.begin_repair(1.0)
    s.abandon_repair()
    assert s.repair_due(1.0)


def test_what_arrives_while_the_room_loads_follows_the_load() -> None:
    s = Sequencer[str]()
    assert s.offer(5, "e", 0.0) == []
    assert s.offer(3, "c", 0.0) == []
    assert s.offer(4, "d", 0.0) == []
    assert s.repair_at is None  # nothing to repair before the load
    assert s.start(3, 0.1) == [(4, "d"), (5, "e")]  # 3 was in the load
    assert s.watermark == 5
    with pytest.raises(RuntimeError):
        s.start(3, 0.2)


def test_the_room_own_updates_advance_the_watermark() -> None:
    s = Sequencer[bytes | None](0)
    assert s.offer(1, None, 0.0) == [(1, None)]  # committed here: already applied, just numbered
    assert s.offer(3, None, 0.0) == []
    assert s.offer(2, b"from another worker", 0.0) == [(2, b"from another worker"), (3, None)]


def test_the_safety_poll_repairs_only_what_stayed_missing() -> None:
    s = Sequencer[str](5)
    assert not s.behind(7)  # committed, perhaps on its way: first sight
    s.offer(6, "f", 0.0)
    assert s.behind(8)  # 7 was seen one poll ago and never came
    s.begin_repair(0.0)
    s.finish_repair([(7, "g"), (8, "h")])
    assert not s.behind(8)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[int, int, list[int], list[bool]]:
    """A log of n updates after a load of the first w; what the bus delivers (shuffled, repeated,
    some lost, some from before the load); when repairs happen."""
    n = draw(st.integers(min_value=0, max_value=60))
    w = draw(st.integers(min_value=0, max_value=n))
    pool = list(range(1, n + 1))
    delivered = draw(st.lists(st.sampled_from(pool), max_size=3 * n) if pool else st.just([]))
    repairs = draw(st.lists(st.booleans(), min_size=len(delivered), max_size=len(delivered)))
    return n, w, delivered, repairs


@hypothesis_settings(max_examples=300, deadline=None)
@given(deliveries(), st.booleans(), st.integers(min_value=1, max_value=8))
def test_any_delivery_with_a_final_repair_applies_each_update_once_in_order(
    case: tuple[int, int, list[int], list[bool]], loaded_late: bool, max_buffered: int
) -> None:
    n, w, delivered, repairs = case
    log = [(seq, f"u{seq}") for seq in range(1, n + 1)]
    s = Sequencer[str](None if loaded_late else w, max_buffered=max_buffered)
    applied: list[tuple[int, str]] = []
    clock = 0.0
    half = len(delivered) // 2
    for i, (seq, repair) in enumerate(zip(delivered, repairs, strict=True)):
        clock += 0.01
        if loaded_late and i == half:
            applied += s.start(w, clock)
        applied += s.offer(seq, f"u{seq}", clock)
        if repair and s.watermark is not None and not s.repairing:
            after = s.begin_repair(clock)
            applied += s.finish_repair(log[after:])
    if s.watermark is None:
        applied += s.start(w, clock)
    after = s.begin_repair(clock + 1)
    applied += s.finish_repair(log[after:])
    assert s.watermark == n
    assert seqs(applied) == list(range(w + 1, n + 1))
    assert all(item == f"u{seq}" for seq, item in applied)
    assert s.buffered == 0
