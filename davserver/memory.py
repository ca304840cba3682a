"""Giving memory back to the operating system after a large answer.

A streamed answer (a Depth 1 PROPFIND of a huge calendar, a query matching thousands
of objects) leaves many small freed blocks scattered through glibc's heap; glibc only
returns the top of the heap by itself. `malloc_trim` also releases the free pages in
between, so a worker's resident memory falls back after such an answer instead of
staying at its peak. It costs about a millisecond, and only large answers call it.
"""

from __future__ import annotations

import ctypes

try:
    _trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc: nothing to do
    _trim = None


def release_free_memory() -> None:
    if _trim is not None:
        _trim(0)
