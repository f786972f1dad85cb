"""Credential lookup: ASPIRECTL_SECRET_<NAME> first, then the OS keyring (with a timeout).

An unavailable keyring (no backend, no D-Bus, the null backend, a locked collection, a hang)
is "not set", never a crash. Every value found is registered with the redactor.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aspirectl.envnames import SECRET_PREFIX, secret_env
from aspirectl.errors import ConfigError
from aspirectl.secrets.redact import register

SERVICE = "aspirectl"
KEYRING_TIMEOUT_S = 3.0
ENV_PREFIX = SECRET_PREFIX
# A keyring backend that is a file on disk (keyrings.alt) is not the OS keyring: used only
# when the operator says so.
ALLOW_FILE_KEYRING = "ASPIRECTL_ALLOW_FILE_KEYRING"


def env_name(name: str) -> str:
    """The environment variable that holds credential ``name`` (envnames.secret_env)."""
    return secret_env(name)


def _file_backend(backend: Any) -> Any:
    """The keyrings.alt file backend behind ``backend`` (itself, or inside a chainer), if any."""
    candidates = [backend, *getattr(backend, "backends", ())]
    for candidate in candidates:
        if type(candidate).__module__.startswith("keyrings.alt"):
            return candidate
    return None


def describe_backend(backend: Any) -> str:
    name = type(backend).__module__ + "." + type(backend).__name__
    found = _file_backend(backend)
    if found is None:
        return name
    path = getattr(found, "file_path", "")
    plain = "Plaintext" in type(found).__name__
    what = "a PLAINTEXT file" if plain else "a file"
    return f"{what}, not the OS keyring ({type(found).__module__}.{type(found).__name__} at {path})"


@dataclass(frozen=True)
class Credential:
    name: str
    value: str
    origin: str  # "env", "keyring", "sandbox", ...


class Source(Protocol):
    origin: str

    def get(self, name: str) -> str | None: ...


class EnvSource:
    origin = "env"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def get(self, name: str) -> str | None:
        return self.environ.get(env_name(name)) or None


class MappingSource:
    """Fixed credentials (the sandbox's dummies, or a test's)."""

    def __init__(self, values: Mapping[str, str], origin: str = "sandbox") -> None:
        self.values = dict(values)
        self.origin = origin

    def get(self, name: str) -> str | None:
        return self.values.get(name)


class KeyringUnavailable(ConfigError):
    pass


def _call_with_timeout(fn: Callable[[], Any], timeout: float) -> Any:
    """Run a keyring call in a daemon thread: a hung backend cannot hang aspirectl."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="aspirectl-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise KeyringUnavailable(f"the OS keyring did not answer within {timeout:g}s",
                                 hint="use ASPIRECTL_SECRET_<NAME> environment variables instead")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def keyring_timeout() -> float:
    try:
        return float(os.environ.get("ASPIRECTL_KEYRING_TIMEOUT", KEYRING_TIMEOUT_S))
    except ValueError:
        return KEYRING_TIMEOUT_S


class KeyringSource:
    origin = "keyring"

    def __init__(self, timeout: float | None = None, service: str = SERVICE) -> None:
        self.timeout = keyring_timeout() if timeout is None else timeout
        self.service = service

    def _backend(self) -> Any:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        if isinstance(backend, (fail.Keyring, null.Keyring)):
            name = type(backend).__module__ + "." + type(backend).__name__
            raise KeyringUnavailable(f"no usable OS keyring ({name})",
                                     hint="use ASPIRECTL_SECRET_<NAME> environment variables instead")
        if _file_backend(backend) is not None and os.environ.get(ALLOW_FILE_KEYRING, "") != "1":
            raise KeyringUnavailable(f"the keyring backend is {describe_backend(backend)}",
                                     hint=f"use ASPIRECTL_SECRET_<NAME> environment variables, or set "
                                     f"{ALLOW_FILE_KEYRING}=1 to accept that file")
        return backend

    def _guard(self, fn: Callable[[Any], Any]) -> Any:
        def call() -> Any:
            return fn(self._backend())

        try:
            return _call_with_timeout(call, self.timeout)
        except KeyringUnavailable:
            raise
        except Exception as exc:  # KeyringError, RuntimeError (old versions), D-Bus errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise KeyringUnavailable(f"the OS keyring failed: {first}",
                                     hint="use ASPIRECTL_SECRET_<NAME> environment variables "
                                     "instead") from None

    def get(self, name: str) -> str | None:
        try:
            value = self._guard(lambda backend: backend.get_password(self.service, name))
            return None if value is None else str(value)
        except KeyringUnavailable:
            return None

    def set(self, name: str, value: str) -> None:
        self._guard(lambda backend: backend.set_password(self.service, name, value))
        stored = self._guard(lambda backend: backend.get_password(self.service, name))
        if stored != value:
            raise KeyringUnavailable("the OS keyring did not keep the secret",
                                     hint="use ASPIRECTL_SECRET_<NAME> environment variables instead")

    def delete(self, name: str) -> bool:
        def remove(backend: Any) -> bool:
            from keyring.errors import PasswordDeleteError

            try:
                backend.delete_password(self.service, name)
            except PasswordDeleteError:
                return False
            return True

        return bool(self._guard(remove))

    def describe(self) -> str:
        try:
            backend = _call_with_timeout(self._backend, self.timeout)
        except Exception as exc:
            return f"unavailable: {exc}"
        return describe_backend(backend)


class Resolver:
    """First source that knows the name wins; values are registered for redaction."""

    def __init__(self, sources: list[Source]) -> None:
        self.sources = sources

    def lookup(self, name: str | None) -> Credential | None:
        if not name:
            return None
        from aspirectl.secrets.memory import no_core_dumps

        no_core_dumps()  # before any credential is read into this process
        for source in self.sources:
            value = source.get(name)
            if value:
                register(value)
                return Credential(name, value, source.origin)
        return None

    def value(self, name: str | None) -> str | None:
        found = self.lookup(name)
        return found.value if found else None


def default_resolver() -> Resolver:
    return Resolver([EnvSource(), KeyringSource()])
