"""Hostile input, second round (#20): the surfaces added after the first attack run.

Export files, the sandbox's written catalog, strings read back from the gateway's database,
shell completion, the pictures and `usage` at scale. Each test reproduces the attack as it
was found (a planted symlink, another user's directory, a crafted DB row, a real zsh) and
checks the outcome: one clear line, the right exit code, nothing written where it must not be.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.test_completions import zsh_complete

NOBODY = 65534


def _as_other_user(path) -> None:
    """Make ``path`` belong to another user, as a directory in /tmp made by someone else would."""
    os.chown(path, NOBODY, NOBODY)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


# --- 1. chains export --write: the custom provider file -----------------------------------------


def test_export_write_never_follows_a_symlink_at_the_provider_file(cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "gw"
    out.mkdir()
    (out / "aspirectl_code_assist.py").symlink_to(victim)
    result = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--format", "litellm", "--write", out)
    assert result.code == 0, result.text
    assert victim.read_text() == "precious\n"  # the link was replaced, not written through
    provider = out / "aspirectl_code_assist.py"
    assert not provider.is_symlink()
    assert "class" in provider.read_text() and stat.S_IMODE(provider.stat().st_mode) == 0o644


# --- 2. sandbox --write-chains: another user's directory, planted links -------------------------


def _write_chains(directory):
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import Sandbox
    from aspirectl.sandbox.catalogue import SCENARIOS

    box = Sandbox(load_catalog(SHIPPED_CHAINS), SCENARIOS["seed"])
    return box.write_chains(directory)


@needs_root
def test_sandbox_refuses_a_directory_that_belongs_to_another_user(tmp_path):
    from aspirectl.errors import ConfigError

    theirs = tmp_path / "sb"
    theirs.mkdir(mode=0o755)
    _as_other_user(theirs)
    with pytest.raises(ConfigError, match="belongs to uid 65534"):
        _write_chains(theirs)
    assert list(theirs.iterdir()) == []  # nothing written there


def test_sandbox_refuses_a_directory_others_may_write_to(tmp_path):
    from aspirectl.errors import ConfigError

    shared = tmp_path / "sb"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(ConfigError, match="other users may write"):
        _write_chains(shared)
    assert list(shared.iterdir()) == []


def test_sandbox_cli_refuses_another_users_directory_with_one_line(run_process, tmp_path):
    shared = tmp_path / "sb"
    shared.mkdir()
    shared.chmod(0o777)
    result = run_process("--chains", SHIPPED_CHAINS, "sandbox", "--write-chains", shared, timeout=30)
    assert result.code == 3, result.text
    assert "other users may write" in result.err and "Traceback" not in result.text


def test_sandbox_never_follows_links_at_its_file_names(tmp_path):
    directory = tmp_path / "sb"
    directory.mkdir(mode=0o700)
    victims = {}
    for name in ("upstreams.yaml", "credentials.env", "credentials.env.tmp", "gateway.env"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n")
        (directory / name).symlink_to(victim)
        victims[name] = victim
    creds = _write_chains(directory)
    for victim in victims.values():
        assert victim.read_text() == "precious\n"
    assert not creds.is_symlink() and stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert "ASPIRECTL_SECRET_" in creds.read_text()
    assert not (directory / "upstreams.yaml").is_symlink()


def test_sandbox_creates_a_missing_directory_private(tmp_path):
    directory = tmp_path / "new" / "sb"
    _write_chains(directory)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


# --- 3. a key_alias from the DB never reaches a shell's eval ------------------------------------


@pytest.fixture
def pg_keys(cli, pg_url, monkeypatch):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")

    def run(*args):
        return cli("--chains", SHIPPED_CHAINS, "--db", pg_url, "keys", *args)

    run.url = pg_url
    return run


def test_a_hostile_key_alias_is_never_offered_to_zsh(pg_keys, tmp_path):
    # Typer escapes "$" as "\$" for zsh but not a backslash: an alias "zz\$(cmd)" becomes
    # "zz\\$(cmd)" and _arguments' own eval runs cmd (seen with the unfiltered completer).
    markers = [tmp_path / f"pwned-{i}" for i in range(3)]
    aliases = [f"zz\\$(id>{markers[0]})", f"zz$(id>{markers[1]})", f"zz`id>{markers[2]}`"]
    assert pg_keys("create", "postiz").code == 0
    for i, alias in enumerate(aliases):
        assert pg_keys("create", f"victim-{i}").code == 0
        with psycopg.connect(pg_keys.url, autocommit=True) as conn:
            conn.execute('UPDATE "LiteLLM_VerificationToken" SET key_alias = %s WHERE key_alias = %s',
                         (alias, f"victim-{i}"))
    listed = pg_keys("list")
    assert listed.code == 0, listed.text
    screen = zsh_complete("aspirectl keys rotate ", tabs=2)
    ran = [m.name for m in markers if m.exists()]
    assert ran == [], f"TAB ran a command from the gateway's DB: {ran}"
    assert "postiz" in screen and "zz" not in screen  # the honest consumer is still offered


def test_a_planted_consumer_cache_is_filtered_too(tmp_path):
    from aspirectl.cli import namecache
    from aspirectl.cli.completers import consumers

    cache = namecache.consumers_cache()
    cache.parent.mkdir(parents=True, mode=0o700)
    cache.write_text('["ok-agent", "zz$(touch /tmp/x)", "a;b", "tab\\there", "`id`"]')
    assert consumers(None, [], "") == ["ok-agent"]  # type: ignore[arg-type]


# --- 14. the operator's catalog under XDG_CONFIG_HOME must be the operator's own -----------------


def _xdg_catalog() -> Path:
    from aspirectl import paths

    own = paths.operator_chains()
    own.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SHIPPED_CHAINS, own)
    return own


def test_a_world_writable_operator_catalog_is_refused(cli):
    own = _xdg_catalog()
    os.chmod(own / "upstreams.yaml", 0o666)
    result = cli("chains", "list")
    assert result.code == 3, result.text
    assert_one_line_error(result)
    assert "other users may write to upstreams.yaml" in result.err


def test_a_world_writable_operator_catalog_directory_is_refused(cli):
    own = _xdg_catalog()
    os.chmod(own, 0o777)
    result = cli("probe", "-o", "nagios")
    assert result.code == 3, result.text
    assert "other users may write" in result.text


@needs_root
def test_an_operator_catalog_owned_by_another_user_is_refused(cli):
    own = _xdg_catalog()
    _as_other_user(own / "gpt.yaml")
    result = cli("chains", "list")
    assert result.code == 3, result.text
    assert "gpt.yaml belongs to uid 65534" in result.err


def test_an_operator_catalog_of_ones_own_is_used(cli):
    _xdg_catalog()
    result = cli("chains", "list", "-o", "json")
    assert result.code == 0, result.text
    assert "gpt-5.5" in result.out


def test_the_catalog_check_does_not_run_for_a_named_catalog(cli, tmp_path):
    named = tmp_path / "named"
    shutil.copytree(SHIPPED_CHAINS, named)
    os.chmod(named, 0o777)  # the operator named it: their choice, not a default picked up
    assert cli("--chains", named, "chains", "list").code == 0

