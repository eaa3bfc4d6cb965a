"""Handing freed memory back to the OS after rooms unload."""

from __future__ import annotations

import psutil

from collab.realtime.memory import release_free_memory


def test_release_free_memory_gives_heap_holes_back() -> None:
    process = psutil.Process()
    blocks = [bytearray(32 * 1024) for _ in range(2000)]  # 64 MB on the malloc heap
    keep = blocks[::50]  # pin the heap here and there so glibc cannot shrink it by itself
    del blocks
    before = process.memory_info().rss
    assert release_free_memory()
    after = process.memory_info().rss
    assert before - after > 30 * 1024 * 1024
    assert len(keep) == 40
