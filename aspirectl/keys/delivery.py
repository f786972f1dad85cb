"""Where a new plaintext goes: the terminal (once), a 0600 env file, or the OS keyring.

Two phases around the DB transaction: ``prepare`` runs before the commit (a failure there
rolls the key back, so no key exists whose plaintext was lost), ``commit`` after it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aspirectl.errors import ConfigError, OperationFailed, UsageError
from aspirectl.keys.model import NewKey
from aspirectl.safefile import is_special, read_regular

ENV_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
DEFAULT_VAR = "LITELLM_API_KEY"
KEYRING_PREFIX = "key-"  # keyring entry: service aspirectl, name key-<consumer>


def keyring_name(consumer: str) -> str:
    return KEYRING_PREFIX + consumer


ENV_FILE_CAP = 64 * 1024  # an env file aspirectl would overwrite is small


def env_file_text(key: NewKey, var: str) -> str:
    return (f"# aspirectl virtual key for {key.consumer} ({key.record.key_name}); keep this file 0600\n"
            f"{var}={key.plaintext}\n")


@dataclass
class FileDelivery:
    """Each key to its own env file, 0600, in place *before* the DB commit: a key is never
    committed without being delivered. If the commit then fails, the file is taken back (the
    previous content restored), so no file holds a key that does not exist."""

    path_for: Callable[[NewKey], Path]
    var: str = DEFAULT_VAR
    force: bool = False  # overwrite a file that holds something else
    written: list[Path] = field(default_factory=list)
    _placed: list[tuple[Path, bytes | None]] = field(default_factory=list)  # (path, previous content)

    def __post_init__(self) -> None:
        if not ENV_VAR_RE.match(self.var):
            raise UsageError(f"bad variable name '{self.var}'", hint="use e.g. LITELLM_API_KEY")

    def check(self, path: Path, consumer: str | None = None) -> None:
        if path.is_dir():
            raise UsageError(f"{path} is a directory", hint="name a file for the key")
        if is_special(path):
            raise UsageError(f"{path} is not a regular file (a symlink, FIFO or device); refusing "
                             "to write a key through it", hint="name a plain file")
        if path.exists() and not self.force and not _ours(path, consumer):
            raise UsageError(f"{path} exists and holds something else; refusing to overwrite it",
                             hint="name another file, or pass --force to replace it")
        if not path.parent.exists():
            raise UsageError(f"no such directory: {path.parent}")

    def prepare(self, keys: list[NewKey]) -> None:
        from aspirectl.safefile import atomic_write

        for key in keys:
            target = self.path_for(key)
            self.check(target, key.consumer)
            try:
                previous, _ = read_regular(target, ENV_FILE_CAP) if target.exists() else (None, False)
                atomic_write(target, env_file_text(key, self.var), 0o600, what="key file")
            except (OSError, ConfigError) as exc:
                self.abort()
                raise OperationFailed(f"cannot write {target}: {getattr(exc, 'strerror', None) or exc}; "
                                      "no key was created") from None
            self._placed.append((target, previous))

    def abort(self) -> None:
        """The commit failed: take every placed file back."""
        from aspirectl.safefile import atomic_write

        for target, previous in reversed(self._placed):
            with contextlib.suppress(OSError, ConfigError):
                if previous is None:
                    target.unlink()
                else:
                    atomic_write(target, previous, 0o600, what="key file")
        self._placed.clear()

    def commit(self) -> None:
        self.written.extend(target for target, _ in self._placed)
        self._placed.clear()


def _ours(path: Path, consumer: str | None) -> bool:
    """An env file aspirectl wrote for this consumer (rotate --save the same file)."""
    try:
        data, larger = read_regular(path, ENV_FILE_CAP)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if larger:
        return False
    if not text.strip():
        return True
    first = text.splitlines()[0]
    return first.startswith("# aspirectl virtual key for ") and (
        consumer is None or first.startswith(f"# aspirectl virtual key for {consumer} "))


@dataclass
class KeyringDelivery:
    """Each key into the OS keyring before the commit; if the commit fails, the entry is put
    back as it was (a still-valid old key is restored, never deleted)."""

    keyring: object = None
    stored: list[tuple[str, str | None]] = field(default_factory=list)  # (name, previous value)

    def __post_init__(self) -> None:
        if self.keyring is None:
            from aspirectl.secrets.store import KeyringSource

            self.keyring = KeyringSource()

    def prepare(self, keys: list[NewKey]) -> None:
        from aspirectl.secrets.store import KeyringUnavailable

        for key in keys:
            name = keyring_name(key.consumer)
            try:
                previous = self.keyring.get(name)  # type: ignore[attr-defined]
                self.keyring.set(name, key.plaintext)  # type: ignore[attr-defined]
            except KeyringUnavailable as exc:
                self.abort()
                raise ConfigError(f"{exc.message}; no key was created",
                                  hint="use --save FILE instead") from None
            self.stored.append((name, previous))

    def abort(self) -> None:
        for name, previous in reversed(self.stored):
            with contextlib.suppress(Exception):
                if previous is None:
                    self.keyring.delete(name)  # type: ignore[attr-defined]
                else:
                    self.keyring.set(name, previous)  # type: ignore[attr-defined]
        self.stored.clear()

    def commit(self) -> None:
        self.stored.clear()


@dataclass
class ScreenDelivery:
    """The plaintext on stdout before the commit, flushed: if it cannot be written (a closed
    pipe, a full disk) nothing is committed. If the commit fails after it was shown, the
    operator is told the key shown is void."""

    show: Callable[[NewKey], None]
    void: Callable[[str], None] = lambda text: None
    _shown: list[NewKey] = field(default_factory=list)

    def prepare(self, keys: list[NewKey]) -> None:
        for key in keys:
            try:
                self.show(key)
            except (OSError, ValueError) as exc:  # EPIPE, ENOSPC, a closed stream
                why = getattr(exc, "strerror", None) or exc
                raise OperationFailed(f"cannot print the new key: {why}; no key was created",
                                      hint="use --save FILE or --save keyring") from None
            self._shown.append(key)

    def abort(self) -> None:
        for key in self._shown:
            self.void(f"the key {key.record.key_name} shown above was NOT created (the change was rolled "
                      "back): do not use it")
        self._shown = []

    def commit(self) -> None:
        self._shown = []
