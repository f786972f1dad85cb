"""Shell completion: checked-in scripts are fresh, and real bash, zsh and fish complete with them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHIPPED_CHAINS

COMPLETIONS = ROOT / "completions"
SCRIPTS = {"bash": "aspirectl.bash", "zsh": "_aspirectl", "fish": "aspirectl.fish"}


def _env(**extra: str) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "ASPIRECTL_CHAINS": str(SHIPPED_CHAINS), **extra}


def _require(shell: str) -> str:
    found = shutil.which(shell)
    if not found:
        pytest.fail(f"{shell} is needed for the completion tests (scripts/test installs it)")
    return found


@pytest.mark.parametrize("shell", list(SCRIPTS))
def test_checked_in_scripts_are_fresh(shell):
    generated = subprocess.run([sys.executable, "-m", "aspirectl"], capture_output=True, text=True,
                               env=_env(_ASPIRECTL_COMPLETE=f"source_{shell}"), check=True).stdout
    assert (COMPLETIONS / SCRIPTS[shell]).read_text() == generated, \
        "completions/ is stale: run scripts/completions"


def bash_complete(line: str) -> list[str]:
    words = line.split(" ")
    script = (f"source {COMPLETIONS / 'aspirectl.bash'}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              "_aspirectl_completion aspirectl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    out = subprocess.run([_require("bash"), "--norc", "-c", script], capture_output=True, text=True,
                         env=_env(), timeout=30, check=True).stdout
    return [w for w in out.splitlines() if w]


def fish_complete(line: str) -> list[str]:
    script = f"source {COMPLETIONS / 'aspirectl.fish'}; complete -C '{line}'"
    out = subprocess.run([_require("fish"), "--no-config", "-c", script], capture_output=True, text=True,
                         env=_env(), timeout=30, check=True).stdout
    return [w.split("\t")[0] for w in out.splitlines() if w]


def zsh_complete(line: str, tabs: int = 2) -> str:
    """Type into a real interactive zsh (in tmux) and read the screen."""
    _require("zsh")
    tmux = _require("tmux")
    sock = f"aspirectl-{uuid.uuid4().hex[:8]}"
    env = _env(PS1="zsh> ")
    cmd = [tmux, "-L", sock, "new-session", "-d", "-x", "160", "-y", "40", "zsh", "-f", "-i"]
    subprocess.run(cmd, env=env, check=True)
    try:
        def keys(*k: str) -> None:
            subprocess.run([tmux, "-L", sock, "send-keys", *k], check=True)

        keys(f"autoload -U compinit; compinit -u; source {COMPLETIONS / '_aspirectl'}; clear", "Enter")
        time.sleep(0.5)
        keys(line)
        for _ in range(tabs):
            keys("Tab")
            time.sleep(0.8)
        return subprocess.run([tmux, "-L", sock, "capture-pane", "-p"], capture_output=True, text=True,
                              check=True).stdout
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)


def test_bash_completes_commands_aliases_and_formats():
    assert bash_complete("aspirectl ro") == ["route"]
    assert bash_complete("aspirectl route gp") == ["gpt-4.1", "gpt-5.2", "gpt-5.5"]
    assert set(bash_complete("aspirectl probe q")) == {"qwen", "qwen-3.6", "qwen-3.6-omni"}
    assert bash_complete("aspirectl probe -o j") == ["json"]
    assert bash_complete("aspirectl demo --scenario s") == ["seed", "slow-drip"]


def test_fish_completes_aliases_and_families():
    assert fish_complete("aspirectl route gp") == ["gpt-4.1", "gpt-5.2", "gpt-5.5"]
    assert "claude" in fish_complete("aspirectl chains show cl")


def test_zsh_completes_aliases():
    screen = zsh_complete("aspirectl route gp")
    for alias in ("gpt-4.1", "gpt-5.2", "gpt-5.5"):
        assert alias in screen, screen


def test_consumers_complete_from_the_local_cache_without_the_db(cli, tmp_path):
    url = f"sqlite:///{tmp_path}/keys.db"
    assert cli("--chains", SHIPPED_CHAINS, "--db", url, "keys", "create", "postiz", "--create").code == 0
    assert cli("--chains", SHIPPED_CHAINS, "--db", url, "keys", "create", "knowledge-os").code == 0
    (tmp_path / "keys.db").unlink()  # TAB must not need the DB
    assert bash_complete("aspirectl keys rotate po") == ["postiz"]
    assert bash_complete("aspirectl keys show k") == ["knowledge-os"]


def test_completion_and_help_stay_light():
    code = (
        "import os, sys\n"
        "from aspirectl.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'keyring', 'psycopg', 'yaml', 'rich.table', 'rich.console',"
        " 'pydantic', 'sqlite3') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n")
    complete = _env(_ASPIRECTL_COMPLETE="complete_bash", COMP_WORDS="aspirectl route gp", COMP_CWORD="2")
    subprocess.run([sys.executable, "-c", code], env=complete, capture_output=True, check=True)  # warm
    for env, args in ((complete, []), (_env(), ["--help"]), (_env(), ["route", "gpt-5.5", "--offline"])):
        proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
        assert "HEAVY []" in proc.stderr, (args, proc.stderr[-300:])
