"""Issue 11, item by item: the exact commands an operator runs, their exit codes and text."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aspirectl.catalog.model import Protocol
from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.hostile import credential_env

# ------------------------------------------------------------------ 1. the exit family

GLOBALS = [("--chains", str(SHIPPED_CHAINS)), ("--db", "sqlite:///x.db"),
           ("--gateway-url", "http://127.0.0.1:9"), ("-o", "table"), ("--no-color",), ("-v",)]


@pytest.mark.parametrize("option", GLOBALS, ids=[g[0] for g in GLOBALS])
def test_every_global_option_before_every_command_keeps_its_exit_family(cli, option):
    # An alias typo: probe (the monitoring check) says UNKNOWN, route and chains a usage error.
    assert cli(*option, "probe", "gtp-5.5").code == 3
    assert cli(*option, "route", "gtp-5.5", "--offline").code == 2
    assert cli(*option, "chains", "show", "gtp-5.5").code == 2
    assert cli(*option, "probe", "--bogus").code == 3
    assert cli(*option, "demo", "--scenario", "nope").code == 2
    assert cli(*option, "keys", "show").code == 2


def test_a_held_lock_is_unknown_with_the_readme_form(cli, sandbox_chains):
    from aspirectl.state import exclusive_run, lock_file

    chains = sandbox_chains("seed")
    with exclusive_run(lock_file(chains)):
        result = cli("--gateway-url", "http://127.0.0.1:9", "--chains", chains, "probe", "--deadline", "1",
                     "-o", "nagios")
    assert result.code == 3 and "another aspirectl run holds the lock of this catalog" in result.err
    assert result.out.startswith("ASPIRECTL UNKNOWN - another aspirectl run holds the lock")


# ------------------------------------------------------------------ 2. deadline, bad URL

def test_a_global_deadline_overrun_is_unknown_not_a_loud_failure(cli, sandbox_chains):
    chains = sandbox_chains("hung")
    result = cli("--chains", chains, "probe", "claude", "--deadline", "0.5", "--timeout", "5")
    assert result.code == 3, result.text
    assert "FAILS LOUDLY" not in result.out and "408" not in result.out
    assert "global deadline" in result.out
    nagios = cli("--chains", chains, "probe", "claude", "--deadline", "0.5", "--timeout", "5",
                 "-o", "nagios")
    first = nagios.out.splitlines()[0]
    assert first.startswith("ASPIRECTL UNKNOWN - 3 aliases: 0 ok, 3 unknown (") and "failing loudly" not in first
    assert "aliases_failing=0;" in first


@pytest.mark.parametrize("url", ["127.0.0.1:9", "gateway:4000", "ftp://gw", "http://"])
def test_a_malformed_gateway_url_is_a_usage_error(cli, url):
    result = cli("--gateway-url", url, "--chains", SHIPPED_CHAINS, "probe", "--gateway")
    assert result.code == 3
    assert_one_line_error(result)
    assert "is not a URL of the gateway" in result.err and "down" not in result.err


# -------------------------------------------------------------- 3. local causes are UNKNOWN

def test_no_credentials_is_unknown_and_counted_once(cli, sandbox_chains, monkeypatch):
    chains = sandbox_chains("seed")
    for name in list(os.environ):
        if name.startswith("ASPIRECTL_SECRET_"):
            monkeypatch.delenv(name)
    result = cli("--chains", chains, "probe")
    assert result.code == 3, result.text
    summary = result.out.strip().splitlines()[-1]
    assert "FAILS LOUDLY" not in result.out and "failing loudly" not in summary
    assert re.search(r"9 aliases: 0 ok, 9 unknown \(", summary), summary
    route = cli("--chains", chains, "route", "gpt-5.5")
    assert route.code == 3
    assert "cannot tell whether anything serves gpt-5.5: openai-api: credential 'openai-api-key' is not set" \
        in route.out
    assert "the gateway answers" not in route.out


def test_one_missing_credential_names_that_hop_and_invents_no_gateway_error(cli, sandbox_chains, monkeypatch):
    chains = sandbox_chains("seed")
    monkeypatch.delenv("ASPIRECTL_SECRET_OPENAI_API_KEY")
    result = cli("--chains", chains, "route", "gpt-5.5")
    assert result.code == 3
    assert "openai-api: credential 'openai-api-key' is not set here" in result.out
    assert "litellm.AuthenticationError" not in result.out and "401" not in result.out
    # The OAuth token missing on the monitoring host (the gateway owns it): Claude is not
    # "served by hop 2"; whether hop 1 serves is unknown from here.
    monkeypatch.delenv("ASPIRECTL_SECRET_ANTHROPIC_OAUTH_TOKEN")
    claude = cli("--chains", chains, "route", "claude-opus-4-7")
    assert claude.code == 3
    assert "served at least by anthropic-api (hop 2); whether an earlier hop serves is unknown" in claude.out


def test_no_dns_is_unknown_not_the_gateway_answering_502(cli, tmp_path, monkeypatch):
    from tests.hostile import chains_pointing

    for name, value in credential_env().items():
        monkeypatch.setenv(name, value)
    chains = chains_pointing(tmp_path / "chains", {"openai-api": "https://no-such-host.invalid/v1"})
    result = cli("--chains", chains, "route", "gpt-5.5", "--timeout", "3")
    assert result.code == 3, result.text
    assert "DNS lookup failed" in result.out and "502" not in result.out


# ------------------------------------------------------------- 4. --changes, --gateway

def test_changes_with_nothing_changed_says_so(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe", "-q")
    again = cli("--chains", chains, "probe", "--changes")
    assert again.out.startswith("no change since the last run")


def test_one_spelling_for_the_gateway_and_a_hint_for_the_other(cli):
    as_global = cli("--gateway", "http://x", "--chains", SHIPPED_CHAINS, "probe")
    assert as_global.code == 3
    assert "aspirectl --gateway-url URL probe --gateway" in as_global.err
    # A global option after the command is taken as given before it (kubectl and gh do so).
    after = cli("--chains", SHIPPED_CHAINS, "probe", "claude", "--gateway", "--gateway-url", "http://127.0.0.1:9",
                "--timeout", "0.5", "--deadline", "3", "-o", "json")
    assert after.code == 2, after.text  # the gateway at :9 is down: CRITICAL
    assert json.loads(after.out)["gateway"]["url"] == "http://127.0.0.1:9"


def test_global_options_are_accepted_after_the_command(cli, tmp_path):
    named = cli("chains", "list", "--chains", SHIPPED_CHAINS, "-o", "json")
    assert named.code == 0 and json.loads(named.out)["chains_dir"] == str(SHIPPED_CHAINS)
    db = tmp_path / "k.db"
    created = cli("--chains", SHIPPED_CHAINS, "keys", "create", "postiz", "--create", "--db", f"sqlite:///{db}")
    assert created.code == 0 and db.exists(), created.text
    assert cli("keys", "list", "--db", f"sqlite:///{db}", "--chains", SHIPPED_CHAINS, "--no-color").code == 0
    own = cli("--chains", SHIPPED_CHAINS, "chains", "show", "gpt", "-o", "yaml")  # the command's own -o
    assert own.code == 0 and own.out.startswith(("schema:", "aliases:", "family:", "chains_dir:")), own.out[:80]
    after_dashdash = cli("--chains", SHIPPED_CHAINS, "probe", "--", "--chains")
    assert after_dashdash.code == 3 and "unknown alias or family '--chains'" in after_dashdash.err


# ------------------------------------------------------------------ 5. DRIFT needs an answer

def test_no_drift_when_the_gateway_refuses_the_key(cli, sandbox_chains, monkeypatch):
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import http_server

    chains = sandbox_chains("seed")
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", "sk-wrong-gateway-key-000000")

    def gateway(req):
        if req.path.startswith("/health"):
            return Response(200, {"status": "healthy", "db": "connected"})
        return Response(401, {"error": {"message": "Authentication Error, Invalid proxy server token passed.",
                                        "type": "auth_error", "param": "None", "code": "401"}})

    with http_server(gateway) as url:
        result = cli("--gateway-url", url, "--chains", chains, "probe", "--gateway", "-o", "json")
    doc = json.loads(result.out)
    assert result.code == 3 and doc["gateway"]["status"] == "UNKNOWN"
    assert not any(a["drift"] for a in doc["gateway"]["aliases"])
    with http_server(gateway) as url:
        table = cli("--gateway-url", url, "--chains", chains, "probe", "--gateway")
    assert "DRIFT" in table.out.split("GATEWAY ERROR")[0]  # the column has its header ...
    assert table.out.count("DRIFT") == 1  # ... and no row claims drift


# -------------------------------------------------------------- 6. one health meaning

def test_nagios_and_prometheus_agree_for_a_degraded_first_hop(cli, sandbox_chains):
    from aspirectl.sandbox.catalogue import Behaviour

    chains = sandbox_chains("all-up")
    box = sandbox_chains.box
    from aspirectl.sandbox.catalogue import SCENARIOS, Scenario

    box.switch(Scenario("warn", "", {**SCENARIOS["all-up"].upstreams,
                                      "anthropic-oauth": Behaviour(fault="nearly_exhausted")}))
    nagios = cli("--chains", chains, "probe", "claude-opus-4-7", "--deep", "-o", "nagios").out
    prom = cli("--chains", chains, "probe", "claude-opus-4-7", "--deep", "-o", "prometheus").out
    doc = json.loads(cli("--chains", chains, "probe", "claude-opus-4-7", "--deep", "-o", "json").out)
    alias = next(a for a in doc["aliases"] if a["alias"] == "claude-opus-4-7")
    assert alias["degraded"] and not alias["on_later_hop"]
    assert "aliases_fallback=0;" in nagios and "aliases_degraded=1;" in nagios
    assert 'aspirectl_alias_fallback_active{alias="claude-opus-4-7"} 0' in prom
    assert 'aspirectl_alias_degraded{alias="claude-opus-4-7"} 1' in prom


# ------------------------------------------------------------------ 9. scenario names

def test_scenario_names_match_what_they_exit_with(cli):
    from aspirectl.sandbox.catalogue import SCENARIOS

    assert "healthy" not in SCENARIOS  # no scenario of that name: it could never exit 0
    all_up = cli("--chains", SHIPPED_CHAINS, "demo", "--scenario", "all-up")
    assert all_up.code == 1 and "exits 1" in all_up.out.splitlines()[0]
    explanation = all_up.out.split("What this means:")[1]
    assert "not news" not in explanation and ": . " not in explanation


# ------------------------------------------------------------------ 10. full text

def test_piped_output_is_never_cut(sandbox_chains, run_process):
    chains = sandbox_chains("seed")
    env = {**os.environ, "COLUMNS": "400"}
    probe = run_process("--chains", chains, "probe", env=env)
    assert "…" not in probe.out
    assert "upstream vision backend unavailable" in probe.out  # the whole upstream message
    gpt = run_process("--chains", chains, "route", "gpt-5.5", env=env)
    assert "declared deferred since 2026-05-14, so known and not news" in gpt.out
    route = run_process("--chains", chains, "route", "qwen-3.6-omni", env=env)
    assert "…" not in route.out
    assert "Name claude-haiku-4-5 explicitly" in route.out


def test_on_a_terminal_prose_wraps_at_word_boundaries(sandbox_chains, run_process):
    chains = sandbox_chains("seed")
    env = {**os.environ, "ASPIRECTL_FORCE_TTY": "1", "NO_COLOR": "1", "COLUMNS": "72"}
    route = run_process("--chains", chains, "route", "qwen-3.6-omni", env=env)
    assert all(len(line) <= 72 for line in route.out.splitlines()), route.out
    assert "…" not in route.out
    joined = " ".join(line.strip() for line in route.out.splitlines())
    assert "Name claude-haiku-4-5 explicitly" in joined


# ------------------------------------------------------------------ 11. data is not markup

def test_bracketed_data_survives_rich_on_a_terminal(run_process):
    env = {**os.environ, "ASPIRECTL_FORCE_TTY": "1", "NO_COLOR": "1", "COLUMNS": "200"}
    listing = run_process("--chains", SHIPPED_CHAINS, "chains", "list", env=env)
    assert "[subscription, deferred]" in listing.out and "[paid]" in listing.out
    help_text = run_process("keys", "create", "--help", env=env)
    assert "\\[required]" not in help_text.out and "[required]" in help_text.out


# ------------------------------------------------------------------ 12. progress

def test_slow_commands_show_progress_on_a_terminal(sandbox_chains, tmp_path):
    chains = sandbox_chains("hung")
    env = {**os.environ, "ASPIRECTL_FORCE_TTY": "1", "NO_COLOR": "1"}
    for args in (["route", "gpt-5.5", "--timeout", "1.5"], ["demo", "--scenario", "slow-drip", "--timeout", "1.5"]):
        proc = subprocess.Popen([sys.executable, "-m", "aspirectl", "--chains", str(chains), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        err = _stderr_until(proc, b"hops", deadline=time.monotonic() + 15)
        assert proc.poll() is None, (args, "the progress line must show while the probes still run", err)
        proc.terminate()
        err += proc.communicate(timeout=10)[1]
        assert b"probing " in err and b"hops" in err, (args, err)


def _stderr_until(proc: subprocess.Popen, marker: bytes, *, deadline: float) -> bytes:
    """What the process wrote to stderr until `marker` shows (or the deadline passes), read as it comes:
    a loaded machine may take more than a second to start the sandbox, so no fixed sleep."""
    assert proc.stderr is not None
    seen = b""
    fd = proc.stderr.fileno()
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk
    return seen


# ------------------------------------------------------------------ 13. what a person types

def test_typos_and_hints(cli, run_process, chains_copy):
    typo = cli("prbe")
    assert typo.code == 2 and "did you mean probe?" in typo.err and "aspirectl prbe --help" not in typo.err
    (chains_copy / "gpt.yaml").write_text("family: gpt\naliases: [gpt-5.5]\nhops: [nope]\n")
    broken = cli("--chains", chains_copy, "chains", "list")
    assert broken.code == 3
    (chains_copy / "claude.yaml").write_text("family: claude\naliases: [x]\nhops: [nope]\n")
    broken = cli("--chains", chains_copy, "chains", "list")
    assert f"run 'aspirectl --chains {chains_copy} chains validate'" in broken.err
    one_file = cli("chains", "validate", chains_copy / "gpt.yaml")
    assert "is one file of the catalog in" in one_file.err and one_file.code == 3
    both = cli("--chains", SHIPPED_CHAINS, "route", "--all", "gpt-5.5")
    assert both.code == 2 and "not both" in both.err and "use --all" not in both.err.split("(")[0][-10:]
    graph = cli("-o", "json", "--chains", SHIPPED_CHAINS, "chains", "graph")
    assert graph.code == 2 and "-o json draws the live chain: add --live or --cached" in graph.err


def test_completion_offers_only_the_formats_a_command_accepts(run_process):
    env = {**os.environ, "_ASPIRECTL_COMPLETE": "complete_bash", "COMP_WORDS": "aspirectl probe -o ",
           "COMP_CWORD": "3"}
    result = run_process(env=env)
    offered = set(result.out.split())
    assert offered == {"table", "json", "prometheus", "nagios", "html"}, result.out


# ------------------------------------------------------------------ 14. Ctrl-C

@pytest.mark.parametrize("after", [0.05, 0.15, 0.3, 0.6, 1.2])
def test_ctrl_c_is_one_line_and_130_at_any_moment(after):
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "demo",
                             "--scenario", "slow-drip"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(after)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    text = err.decode()
    if "Traceback" in text and "aspirectl" not in text and proc.returncode in (1, 130, -signal.SIGINT):
        # Python itself was still starting (importing runpy, or finding the package) when the
        # signal came: no frame is aspirectl's, none of its code had run to catch it (seen
        # under load). From aspirectl/__init__'s first lines on, it is one line and 130.
        assert "KeyboardInterrupt" in text.rstrip().splitlines()[-1], text
        return
    assert proc.returncode in (130, -signal.SIGINT), text  # -2: before Python's own start-up
    assert "Traceback" not in text and "never awaited" not in text and "Task was destroyed" not in text
    assert text in ("", "aspirectl: error: interrupted\n"), text


# ------------------------------------------------------------------ 15. wording

def test_wording(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    one = cli("--chains", chains, "probe", "gpt-5.5", "-q")
    assert "1 alias:" in cli("--chains", chains, "probe", "gemini-2.5-pro", "-q").out
    assert "1 aliases" not in one.out
    demo = cli("--chains", SHIPPED_CHAINS, "demo")
    assert "the chains are chains" not in demo.out and f"the catalog is {SHIPPED_CHAINS}" in demo.out
    assert " is timeout" not in demo.out and " is unreachable" not in demo.out
    assert "((" not in demo.out


def test_changes_says_which_model_serves_through_a_fallback(cli, sandbox_chains):
    from aspirectl.sandbox.catalogue import SCENARIOS, Scenario

    chains = sandbox_chains("all-up")
    box = sandbox_chains.box
    cli("--chains", chains, "probe", "qwen-3.6-omni", "-q")
    from aspirectl.sandbox.catalogue import Behaviour

    box.switch(Scenario("omni-down", "", {**SCENARIOS["all-up"].upstreams, "cloud-first-litellm": Behaviour(
        model_faults=(("qwen-3.6-omni", "bad_gateway"),))}))
    changed = cli("--chains", chains, "probe", "qwen-3.6-omni", "--changes")
    assert "via claude-haiku-4-5 on anthropic-oauth (fallback)" in changed.out, changed.out


# ------------------------------------------------------------------ 16. the keyring

def test_a_plaintext_file_keyring_is_named_and_refused_without_opt_in(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    import keyring.core

    keyring.core._keyring_backend = None
    listed = cli("--chains", SHIPPED_CHAINS, "secrets", "list", "-o", "json")
    assert "PLAINTEXT file, not the OS keyring" in json.loads(listed.out)["keyring"]
    from aspirectl.cli.main import run

    stored = subprocess.run([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "secrets",
                             "set", "openai-api-key"], input="sk-value-0000000000000", text=True,
                            capture_output=True, env={**os.environ})
    assert stored.returncode == 3 and "ASPIRECTL_ALLOW_FILE_KEYRING=1" in stored.stderr
    assert not list((tmp_path / "data").rglob("*.cfg"))  # nothing written
    del run


def test_the_operators_virtualenv_has_no_test_packages():
    script = (Path(__file__).parent.parent / "scripts" / "test").read_text()
    assert ".venv-test" in script and "'.[test]'" in script
    demo = (Path(__file__).parent.parent / "scripts" / "demo").read_text()
    assert "-e ." in demo and "[test]" not in demo


# ------------------------------------------------------------------ 18. secrets

def test_secrets_never_echo_a_value_and_refuse_typos(run_process):
    value = "sk-this-must-never-be-echoed-123"
    echoed = run_process("--chains", SHIPPED_CHAINS, "secrets", "set", "openai-api-key", value)
    assert echoed.code == 2 and value not in echoed.text
    typo = run_process("--chains", SHIPPED_CHAINS, "secrets", "set", "opneai-api-key", input="x" * 20)
    assert typo.code == 2 and "did you mean openai-api-key" in typo.err and "--force" in typo.err
    env_style = run_process("--chains", SHIPPED_CHAINS, "secrets", "set", "OPENAI_API_KEY", input="x" * 20)
    assert env_style.code == 2 and "did you mean openai-api-key?" in env_style.err


# ------------------------------------------------------------------ 19. the design

def test_every_wire_protocol_is_registered_everywhere():
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.gateway.export import _params
    from aspirectl.probe.adapter import _MODULES, adapter_for
    from aspirectl.sandbox.app import SIMULATORS

    catalog = load_catalog(SHIPPED_CHAINS)
    for protocol in Protocol:
        assert protocol in _MODULES, protocol
        adapter = adapter_for(protocol)
        assert adapter.RULES and callable(adapter.steps) and callable(adapter.describe)
        assert protocol in SIMULATORS, protocol
        upstream = next(u for u in catalog.upstreams.values()).__class__
        sample = next((u for u in catalog.upstreams.values() if u.protocol is protocol), None)
        assert sample is not None, f"the shipped catalog uses no {protocol} upstream"
        params, _ = _params(sample, "m")
        assert params["model"] and params["api_base"], protocol
        del upstream
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for protocol in Protocol:
        assert f"| `{protocol.value}`" in readme, protocol


def test_exit_families_are_declared_once_and_read_everywhere(cli):
    """cli/lazy.py declares each command's exit family; the exit codes, the root help and the
    README follow it."""
    from aspirectl.cli.lazy import COMMANDS
    from tests.conftest import ROOT

    judged = [n for family in ("monitoring", "health") for n, i in COMMANDS.items() if i.family == family]
    readme = (ROOT / "README.md").read_text()
    assert f"Commands that judge health ({', '.join(f'`{n}`' for n in judged)}) speak Nagios" in readme
    monitoring = "/".join(n for n, i in COMMANDS.items() if i.family == "monitoring")
    assert f"Exit codes of {monitoring} (Nagios checks)" in " ".join(cli("--help").out.split())
    for name, info in COMMANDS.items():
        typo = cli("--chains", SHIPPED_CHAINS, name, "--no-such-option")
        assert typo.code == (3 if info.family == "monitoring" else 2), (name, info.family, typo.code)
