"""How the process allocates: two malloc arenas, and a cyclic collector that runs less.

Two malloc arenas for the whole process, as ``MALLOC_ARENA_MAX=2`` would set (glibc).
glibc gives each thread that allocates its own arena, up to eight per core, and each arena
keeps what its thread freed for that thread's next allocations. With 16 workers decoding
pages, that retained memory was 12 of a 114 MB peak (2,500 series, 250,000 occurrences)
and grew with the tenant. The GIL serializes the allocating threads anyway, so sharing
two arenas costs no measurable time.

The cyclic collector: a run allocates a few dozen dicts and lists per occurrence (the
decoded item, the record), all freed by reference counting, and Python's collector, which
starts a young collection every 700 allocations, ran 1,470 times on the throughput replay
(100,940 occurrences): 0.5 to 0.7 s of a 5.5 s run, walking the records waiting for the
main thread and the objects of every import again and again. See :func:`fewer_collections`.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_M_ARENA_MAX = -8  # from glibc's malloc.h
# Allocations between two young collections during a sync (Python's default: 700). Cyclic
# garbage waits at most this long; the records themselves never form cycles.
YOUNG_COLLECTION_EVERY = 20_000


@functools.cache
def share_arenas() -> None:
    """Once per process, before the workers start; a user's own MALLOC_ARENA_MAX wins."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # musl and others: their own allocators
        return
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is not None:
        mallopt(_M_ARENA_MAX, 2)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Inside: what exists is left out of collections (the imported modules), and young
    collections come every ``YOUNG_COLLECTION_EVERY`` allocations. On the replay above:
    171 collections, 0.04 s. The settings before are restored on the way out."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
