"""How the server's process uses glibc's allocator: tuned once at start, and memory
given back to the operating system after a large answer.

A streamed answer (a Depth 1 PROPFIND of a huge calendar, a query matching thousands
of objects) leaves many small freed blocks scattered through glibc's heap; glibc only
returns the top of the heap by itself. `malloc_trim` also releases the free pages in
between, so a worker's resident memory falls back after such an answer instead of
staying at its peak. It costs about a millisecond, and only large answers call it.
"""

from __future__ import annotations

import ctypes

_libc: ctypes.CDLL | None
try:
    _libc = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc: nothing to tune
    _libc = None
_trim = getattr(_libc, "malloc_trim", None)

M_ARENA_MAX = -8
M_MMAP_THRESHOLD = -3
LARGE_BLOCK = 1024 * 1024


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Keep glibc from holding on to memory the server used once.

    - Each arena keeps the peak of the largest response its thread ever built, so
      with 16 threads the process would hold many copies of its worst moment; two
      arenas cost no measurable speed here.
    - Blocks of 1 MiB and more (an argon2 verification's 19 MiB, a big answer) are
      always mapped on their own and given back when freed. By default glibc raises
      that threshold after the first such free, and later ones then stay in the heap.

    A no-op where glibc is not the allocator.
    """
    if _libc is not None and hasattr(_libc, "mallopt"):
        _libc.mallopt(M_ARENA_MAX, arenas)
        _libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)


def release_free_memory() -> None:
    """Give the heap's free pages back (malloc_trim); a no-op where glibc is not the allocator."""
    if _trim is not None:
        _trim(0)
