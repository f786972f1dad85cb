"""A process that holds a plaintext key or credential leaves no copy of its memory behind.

``no_core_dumps()`` sets the core-file limit to 0 (hard and soft: nothing this process runs
can raise it again) and, on Linux, clears the dumpable flag (``prctl(PR_SET_DUMPABLE, 0)``):
no core file, no ``/proc/PID/mem`` or ptrace by other processes of the same user. Called
before the first plaintext exists (a minted key, a credential read for a probe, a value read
by ``secrets set``); idempotent and cheap (two system calls, once per process).
"""

from __future__ import annotations

import contextlib
import sys

PR_SET_DUMPABLE = 4
_done = False


def no_core_dumps() -> None:
    global _done
    if _done:
        return
    _done = True
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
