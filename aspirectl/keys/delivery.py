"""Where a new plaintext goes: the terminal (once), a 0600 env file, or the OS keyring.

Two phases around the DB transaction: ``prepare`` runs before the commit (a failure there
rolls the key back, so no key exists whose plaintext was lost), ``commit`` after it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aspirectl.errors import ConfigError, OperationFailed, UsageError
from aspirectl.keys.model import NewKey
from aspirectl.safefile import is_special, read_regular

ENV_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_VAR = "LITELLM_API_KEY"
KEYRING_PREFIX = "key-"  # keyring entry: service aspirectl, name key-<consumer>


def keyring_name(consumer: str) -> str:
    return KEYRING_PREFIX + consumer


ENV_FILE_CAP = 64 * 1024  # an env file aspirectl would overwrite is small


def _looks_like_env_file(path: Path) -> bool:
    try:
        data, larger = read_regular(path, ENV_FILE_CAP)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if larger:
        return False
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return all(re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", ln) for ln in lines)


def env_file_text(key: NewKey, var: str) -> str:
    return (f"# aspirectl virtual key for {key.consumer} ({key.record.key_name}); keep this file 0600\n"
            f"{var}={key.plaintext}\n")


@dataclass
class FileDelivery:
    """Each key to its own env file (0600, written to a temp name, renamed after commit)."""

    path_for: Callable[[NewKey], Path]
    var: str = DEFAULT_VAR
    written: list[Path] = field(default_factory=list)
    _pending: list[tuple[Path, Path]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not ENV_VAR_RE.match(self.var):
            raise UsageError(f"bad variable name '{self.var}'", hint="use e.g. LITELLM_API_KEY")

    def check(self, path: Path) -> None:
        if path.is_dir():
            raise UsageError(f"{path} is a directory", hint="name a file for the key")
        if is_special(path):
            raise UsageError(f"{path} is not a regular file (a symlink, FIFO or device); refusing "
                             "to write a key through it", hint="name a plain file")
        if path.exists() and not _looks_like_env_file(path):
            raise UsageError(f"{path} exists and is not a KEY=value env file; refusing to overwrite it")
        if not path.parent.exists():
            raise UsageError(f"no such directory: {path.parent}")

    def prepare(self, keys: list[NewKey]) -> None:
        for key in keys:
            target = self.path_for(key)
            self.check(target)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(env_file_text(key, self.var))
            except OSError as exc:
                self.abort()
                raise OperationFailed(f"cannot write {target}: {exc.strerror or exc}; no key was "
                                      "created") from None
            self._pending.append((tmp, target))

    def abort(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._pending.clear()

    def commit(self) -> None:
        for tmp, target in self._pending:
            os.replace(tmp, target)
            self.written.append(target)
        self._pending.clear()


@dataclass
class KeyringDelivery:
    """Each key into the OS keyring; entries written for a rolled-back transaction are removed."""

    keyring: object = None
    stored: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.keyring is None:
            from aspirectl.secrets.store import KeyringSource

            self.keyring = KeyringSource()

    def prepare(self, keys: list[NewKey]) -> None:
        from aspirectl.secrets.store import KeyringUnavailable

        for key in keys:
            name = keyring_name(key.consumer)
            try:
                self.keyring.set(name, key.plaintext)  # type: ignore[attr-defined]
            except KeyringUnavailable as exc:
                self.abort()
                raise ConfigError(f"{exc.message}; no key was created",
                                  hint="use --save FILE instead") from None
            self.stored.append(name)

    def abort(self) -> None:
        for name in self.stored:
            with contextlib.suppress(Exception):
                self.keyring.delete(name)  # type: ignore[attr-defined]
        self.stored.clear()

    def commit(self) -> None:
        pass


@dataclass
class ScreenDelivery:
    """The plaintext, once, on stdout - after the commit, never before."""

    show: Callable[[NewKey], None]
    _keys: list[NewKey] = field(default_factory=list)

    def prepare(self, keys: list[NewKey]) -> None:
        self._keys = list(keys)

    def abort(self) -> None:
        self._keys = []

    def commit(self) -> None:
        for key in self._keys:
            self.show(key)
        self._keys = []
