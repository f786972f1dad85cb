"""LiteLLM's own proxy as a child of aspirectl, in front of the sandbox's simulators
(`demo --via-gateway`): the whole path a request takes (gateway, its fallbacks, the upstream)
with no credential and no network.

The proxy gets the export for its own release in a private directory (0700, removed
afterwards), exactly the variables that config references (the sandbox's dummy values), a
master key made for this run (only in its environment, never in argv or on disk), loopback
only, and no variable of the operator's environment that could carry a credential or a proxy.
The core: it returns data and raises AspirectlError; it never prints."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from aspirectl.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from aspirectl.sandbox.app import Sandbox

# The operator's variables the proxy may see: none of them names a credential or a proxy.
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
STARTUP_S = 120.0  # LiteLLM 1.108.7 needs 10-20 s on this project's machines; a cold disk more
LOG_TAIL = 400  # characters of the proxy's own log shown when it does not start
DETAIL_TAIL = 2000  # ... and with --verbose


class Launched(NamedTuple):
    url: str  # http://127.0.0.1:PORT
    release: str | None  # the proxy's LiteLLM release, where its interpreter tells it
    target: str  # the release the config was exported for
    key: str  # this run's master key (for the probe's gateway-key; never shown)


def find_litellm(given: Path | None) -> Path:
    """The `litellm` proxy command: --litellm PATH, else the one on PATH."""
    hint = "pip install 'litellm[proxy]' (1.80.0 to 1.108.7 are tested), or pass --litellm PATH"
    if given is not None:
        if given.is_file() and os.access(given, os.X_OK):
            return given
        raise UsageError(f"--litellm {given}: no executable file there", hint=hint)
    found = shutil.which("litellm")
    if found is None:
        raise ConfigError("demo --via-gateway starts LiteLLM's own proxy, and 'litellm' is not on PATH",
                          hint=hint)
    return Path(found)


def release_of(binary: Path, timeout: float = 30.0) -> str | None:
    """The LiteLLM release installed beside ``binary``: asked of the Python its first line (the
    console script's shebang, ``#!/venv/bin/python`` or ``#!/usr/bin/env python3``) names, so
    nothing of LiteLLM is imported here. None when the file names no Python or it does not tell."""
    from aspirectl.litellm.releases import is_release

    try:
        with open(binary.resolve(), "rb") as handle:
            first = handle.read(512).split(b"\n", 1)[0]
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    interpreter = first[2:].decode("utf-8", "replace").split()
    if not interpreter or not Path(interpreter[-1]).name.startswith("python"):
        return None  # only a Python is asked (a shell would run the question as a command)
    ask = "import importlib.metadata as m; print(m.version('litellm'))"
    try:
        answer = subprocess.run([*interpreter, "-c", ask], capture_output=True, timeout=timeout,
                                env=_kept_env(), stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = answer.stdout[:64].decode("ascii", "replace").strip()
    return text if answer.returncode == 0 and is_release(text) else None


def _kept_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in KEPT_ENV}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proxy_environment(box: Sandbox, config: dict[str, object], key: str) -> dict[str, str]:
    """Exactly what the exported config references, with the sandbox's values; the master key;
    loopback never through a proxy; LiteLLM's bundled price map (it would fetch one)."""
    from aspirectl.gateway.export import gateway_env_names

    values = box.gateway_values(key)
    env = _kept_env()
    env.update({name: values[name] for name in gateway_env_names(config) if name in values})
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
                "LITELLM_LOG": "ERROR", "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    return env


@contextlib.contextmanager
def sandbox_gateway(box: Sandbox, binary: Path, target: str | None = None,
                    within_s: float = STARTUP_S) -> Iterator[Launched]:
    """LiteLLM's proxy (``binary``) serving the export of ``box``'s catalog for the proxy's own
    release (``target`` when given, else the release its interpreter tells, else the default
    export target), on a free loopback port; stopped and its directory removed afterwards."""
    import yaml

    from aspirectl.gateway.export import HANDLER_FILE, handler_source, litellm_yaml, needs_handler
    from aspirectl.litellm.releases import DEFAULT_TARGET

    release = release_of(binary)
    target = target or release or DEFAULT_TARGET
    catalog = box.sandbox_catalog()
    text = litellm_yaml(catalog, target)
    key = "sk-demo-" + secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="aspirectl-gateway-") as scratch:
        directory = Path(scratch)  # mkdtemp: 0700, ours
        (directory / "config.yaml").write_text(text, encoding="utf-8")
        if needs_handler(catalog):
            (directory / HANDLER_FILE).write_text(handler_source(), encoding="utf-8")
        env = proxy_environment(box, yaml.safe_load(text), key)
        with _running(binary, directory, env, within_s) as url:
            yield Launched(url, release, target, key)


@contextlib.contextmanager
def _running(binary: Path, directory: Path, env: dict[str, str], within_s: float) -> Iterator[str]:
    import httpx

    from aspirectl.textsafe import one_line

    port = _free_port()
    log_path = directory / "proxy.log"
    with open(log_path, "wb") as log:
        try:
            proc = subprocess.Popen(
                [str(binary), "--config", str(directory / "config.yaml"), "--host", "127.0.0.1",
                 "--port", str(port)], env=env, cwd=directory, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            why = one_line(exc.strerror or str(exc), 200)
            raise ConfigError(f"could not start {binary}: {why}") from None
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + within_s
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while True:
                if proc.poll() is not None:
                    raise _failed(f"LiteLLM's proxy exited ({proc.returncode}) before it served", log_path)
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(url + "/health/liveliness").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise _failed(f"LiteLLM's proxy did not answer on {url} within {within_s:g} s", log_path)
                time.sleep(0.2)
        yield url
    finally:
        _stop(proc)


def _failed(what: str, log_path: Path) -> ConfigError:
    """``what``, with the proxy's last words: its last line, and with --verbose the last lines,
    each made printable (its log may hold anything)."""
    from aspirectl.textsafe import one_line

    try:
        with open(log_path, "rb") as handle:
            handle.seek(max(0, log_path.stat().st_size - 4 * DETAIL_TAIL))
            lines = [ln for ln in handle.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        lines = []
    if not lines:
        return ConfigError(f"{what}; it printed nothing")
    return ConfigError(f"{what}: {one_line(lines[-1], LOG_TAIL)}",
                       hint="--verbose shows more of what it printed" if len(lines) > 1 else None,
                       detail="proxy log: " + one_line(" | ".join(lines)[-DETAIL_TAIL:], DETAIL_TAIL))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Its whole process group (uvicorn may have workers): TERM, then KILL after 10 s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
