"""LiteLLM's own proxy process on a real PostgreSQL database: the DB-backed gateway, as
replicas sharing one database.

The process is LiteLLM's unmodified proxy app (litellm.proxy.proxy_server:app under uvicorn,
the way its CLI serves it; the config read from CONFIG_FILE_PATH, the database from
DATABASE_URL) in the release's own cached virtualenv. Two things stand in for what this
machine cannot run: the Prisma client (tests/prisma_adapter: its query-engine binary is
downloaded at run time) and the CLI's `prisma migrate deploy` (the release's own migrations
are applied with psql by tests/pgutil.py instead, as scripts/test fetches them).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests import pgutil

ADAPTER = Path(__file__).resolve().parent / "prisma_adapter"
MASTER = "sk-master-" + "0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def python_of(release: str) -> Path:
    return pgutil.CI_CACHE / f"litellm-{release}" / "bin" / "python"


@contextmanager
def serving(command: list[str], env: dict[str, str], cwd: Path, log_path: Path, ready_path: str,
            what: str = "the proxy", within_s: float = 120) -> Iterator[str]:
    """A LiteLLM proxy process on a free loopback port: yields its URL once ``ready_path``
    answers 200; stopped (terminate, then kill) afterwards. ``command`` gets --port appended."""
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"{what} exited: {log_path.read_text()[-3000:]}")
            try:
                if httpx.get(url + ready_path, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail(f"{what} did not start within {within_s:g} s: {log_path.read_text()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def db_proxy(release: str, config: Path, database_url: str, workdir: Path, env: dict[str, str] | None = None,
             name: str = "replica") -> Iterator[str]:
    """One replica: yields its base URL once /health/readiness answers; its log is
    WORKDIR/NAME.log."""
    python = python_of(release)
    if not python.exists():
        pytest.fail(f"no LiteLLM {release} at {python}: run scripts/test, which installs it")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ASPIRECTL", "DATABASE_URL", "PYTHON"))}
    base.update({"PYTHONPATH": str(ADAPTER), "DATABASE_URL": database_url, "CONFIG_FILE_PATH": str(config),
                 "LITELLM_MASTER_KEY": MASTER, "NO_PROXY": "127.0.0.1,localhost", "LITELLM_LOG": "ERROR",
                 "DISABLE_SCHEMA_UPDATE": "true", "STORE_MODEL_IN_DB": "False", **(env or {})})
    command = [str(python), "-m", "uvicorn", "litellm.proxy.proxy_server:app", "--log-level", "warning"]
    with serving(command, base, config.parent, workdir / f"{name}.log", "/health/readiness",
                 f"LiteLLM {release} ({name})") as url:
        yield url
