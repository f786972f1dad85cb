"""Files in places other people can write to: no symlink followed into a write, no special
file read, nothing half written.

aspirectl runs from root's cron and writes into shared directories (the node_exporter
textfile directory is often group-writable). So:

* ``atomic_write``: the temporary file comes from ``mkstemp`` (a random name opened with
  ``O_CREAT|O_EXCL|O_NOFOLLOW``: a planted symlink or file at a guessable name is never
  opened), its mode is set with ``fchmod`` on the descriptor before the first byte, and
  ``rename`` replaces the final name itself (a symlink there is replaced, not followed).
  No path is ever ``chmod``-ed.
* ``open_lock``: the lock file is opened with ``O_NOFOLLOW``.
* ``read_regular``: ``O_NONBLOCK|O_NOFOLLOW``, regular files only, at most ``cap`` bytes: a
  FIFO, a device (``/dev/zero``) or a symlink to one is refused, never read.

Every failure is an ``OperatorPathError`` (a ConfigError: one line, UNKNOWN for the
monitoring commands): these are the operator's own paths, never the gateway's fault.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from aspirectl.errors import ConfigError


class OperatorPathError(ConfigError):
    """A path the operator gave (or aspirectl's own state path) cannot be used."""


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link (refused: a link could point anywhere)"
    return exc.strerror or str(exc)


def atomic_write(path: Path, data: str | bytes, mode: int = 0o600, *, what: str = "file") -> None:
    """Write ``data`` to ``path`` atomically, with ``mode`` from the first byte."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OperatorPathError(f"cannot write the {what} {path}: no such directory {directory}",
                                hint="create it first (with the permissions its readers need)")
    if path.is_dir():
        raise OperatorPathError(f"cannot write the {what} {path}: it is a directory",
                                hint="name a file")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OperatorPathError(f"cannot write the {what} in {directory}: {_why(exc)}") from None
    try:
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise OperatorPathError(f"cannot write the {what} {path}: {_why(exc)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def open_lock(path: Path) -> int:
    """A descriptor on the lock file, never through a symlink."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise OperatorPathError(f"cannot open the lock file {path}: {_why(exc)}",
                                hint="remove whatever is at that path") from None


class NotRegular(OSError):
    """The path is not a regular file (FIFO, device, socket, directory, symlink)."""


def read_regular(path: Path, cap: int, *, follow: bool = False) -> tuple[bytes, bool]:
    """(at most ``cap`` bytes, whether there was more). Raises OSError (NotRegular for
    anything but a regular file; a symlink is refused unless ``follow``, and even then only
    a link to a regular file is read)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        return data[:cap], len(data) > cap
    finally:
        os.close(fd)


def describe_unreadable(exc: OSError) -> str:
    if isinstance(exc, NotRegular):
        return "not a regular file (FIFO, device or socket): not read"
    return _why(exc)


def is_special(path: Path) -> bool:
    """True for anything at ``path`` that is not a regular file or a directory (a symlink
    counts as special: it is never written through)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode))
