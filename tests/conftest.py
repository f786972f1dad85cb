from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import pgutil

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CHAINS = ROOT / "chains"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own XDG dirs, no inherited aspirectl env, no real keyring."""
    home = tmp_path_factory.mktemp("home")
    for var in list(os.environ):
        if var.startswith("ASPIRECTL_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CLICOLOR_FORCE", raising=False)
    yield home


@pytest.fixture
def cli(capsys):
    """Run aspirectl in-process; returns Result(code, out, err)."""
    from aspirectl.cli.main import run

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def run_process():
    """Run aspirectl in a child process (for what in-process runs cannot show)."""

    def invoke(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
               input: str | None = None, cwd: Path | None = None) -> Result:
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run([sys.executable, "-m", "aspirectl", *map(str, args)],
                              capture_output=True, text=True, env=full_env, timeout=timeout,
                              input=input, cwd=cwd)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return invoke


@pytest.fixture
def chains_copy(tmp_path, monkeypatch) -> Path:
    """A writable copy of the shipped chains at ./chains (cwd = tmp_path), named by
    ASPIRECTL_CHAINS=chains as an operator names it (./chains is never used implicitly)."""
    target = tmp_path / "chains"
    shutil.copytree(SHIPPED_CHAINS, target)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASPIRECTL_CHAINS", "chains")
    return target


def assert_one_line_error(result: Result) -> None:
    assert "Traceback" not in result.text
    lines = [ln for ln in result.err.splitlines() if ln.strip()]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("aspirectl: error: "), lines[0]


def export_credentials(directory: Path, monkeypatch) -> None:
    """What 'set -a; . DIR/credentials.env' does in a shell."""
    for line in (directory / "credentials.env").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            monkeypatch.setenv(name, value)


@pytest.fixture
def sandbox_chains(tmp_path, monkeypatch):
    """Start a sandbox scenario, write a catalog pointing at it, export its credentials."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import SandboxThread

    running = []

    def start(scenario="seed", **kwargs):
        thread = SandboxThread(load_catalog(SHIPPED_CHAINS), scenario, **kwargs)
        box = thread.start()
        running.append(thread)
        directory = tmp_path / f"sandbox-{len(running)}"
        box.write_chains(directory)
        export_credentials(directory, monkeypatch)
        start.box = box  # the last one started: tests switch its scenario live
        return directory

    yield start
    for thread in running:
        thread.stop()


@pytest.fixture(scope="session")
def litellm_template():
    """LiteLLM's migrations applied once; a template for every test's own database."""

    try:
        name = pgutil.template_database()
    except Exception as exc:  # a missing server must fail loudly, never skip silently
        pytest.fail(f"PostgreSQL at {pgutil.PG_HOST}:{pgutil.PG_PORT} is needed: {exc}")
    yield name
    pgutil.drop_database(name)


@pytest.fixture(scope="session")
def schema_templates():
    """One template database per LiteLLM schema version, made on first use."""

    made: dict[str, str] = {}

    def template(version: str) -> str:
        if version not in made:
            try:
                made[version] = pgutil.template_database(version)
            except FileNotFoundError as exc:
                pytest.fail(str(exc))
            except Exception as exc:  # a missing server must fail loudly, never skip silently
                pytest.fail(f"PostgreSQL at {pgutil.PG_HOST}:{pgutil.PG_PORT} is needed: {exc}")
        return made[version]

    yield template
    for name in made.values():
        pgutil.drop_database(name)


@pytest.fixture
def pg_schema(schema_templates):
    """A fresh database with the LiteLLM schema of a given proxy-extras version."""

    created: list[str] = []

    def make(version: str) -> str:
        name = pgutil.create_database(template=schema_templates(version))
        created.append(name)
        return pgutil.admin_url(name)

    yield make
    for name in created:
        pgutil.drop_database(name)


@pytest.fixture
def pg_url(litellm_template):
    """A fresh PostgreSQL database with LiteLLM's schema, dropped afterwards."""

    name = pgutil.create_database(template=litellm_template)
    yield pgutil.admin_url(name)
    pgutil.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Every key test runs on both backends."""
    if request.param == "sqlite":
        from aspirectl.keys.db import open_database

        url = f"sqlite:///{tmp_path}/keys.db"
        open_database(url, create=True).close()  # as 'keys create --create' would start it
        return url
    return request.getfixturevalue("pg_url")


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    """A real keyring backend (keyrings.alt's plaintext file), isolated per test."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("ASPIRECTL_ALLOW_FILE_KEYRING", "1")  # a file backend only when accepted
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "keyring-data"))
    import keyring
    import keyring.core

    keyring.core._keyring_backend = None  # re-read PYTHON_KEYRING_BACKEND
    keyring.core.init_backend()
    yield keyring.get_keyring()
    keyring.core._keyring_backend = None


@pytest.fixture(autouse=True)
def _fresh_keyring_backend():
    """Each test sees the backend its environment names."""
    import keyring.core

    keyring.core._keyring_backend = None
    yield
    keyring.core._keyring_backend = None
