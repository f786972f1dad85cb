"""aspirectl probe / route / demo from the command line, against the sandbox."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest

from tests.conftest import SHIPPED_CHAINS, assert_one_line_error, export_credentials


def test_demo_tells_the_seed_story(cli):
    result = cli("--chains", SHIPPED_CHAINS, "demo")
    assert result.code == 1, result.text
    out = result.out
    assert re.search(r"gpt-5\.5\s+OK\s+openai-api \(hop 2\)\s+paid per token", out)
    assert re.search(r"codex-shim\s+unreachable\*\s+-", out)
    assert ("codex-shim does not serve: unreachable (cannot connect) — connection refused" in out
            and "declared deferred since 2026-05-14: Phase 1b deferred; gpt-* return Connection error or 502"
            in out)
    assert "OpenAI API direct serves (paid per token); known and declared, so not news." in out
    assert re.search(r"qwen-3\.6-omni\s+WARNING\s+claude-haiku-4-5 via anthropic-oauth "
                     r"\(cross-family fallback\)", out)
    assert "DECLARED cross-family fallback" in out and "Name claude-haiku-4-5 explicitly" in out
    assert re.search(r"gemini-2\.5-pro\s+WARNING\s+google-ai-studio \(hop 2\)\s+paid per token", out)
    assert "ASPIRECTL WARNING - 9 aliases: 7 ok, 2 warning (gemini-2.5-pro, qwen-3.6-omni)" in out
    assert "Traceback" not in result.text


def test_demo_scenarios_and_formats(cli):
    healthy = cli("--chains", SHIPPED_CHAINS, "demo", "--scenario", "all-up")
    # codex-shim and qwen-3.6-omni are declared deferred/broken: if they serve, that is news.
    assert healthy.code == 1
    assert ("codex-shim serves although the chain file declares it deferred: a change of state, "
            "update the chain file") in healthy.out
    assert ("cloud-first-litellm serves although the chain file declares it broken: a change of "
            "state, update the chain file") in healthy.out
    assert "not news" not in healthy.out.split("What this means:")[1]  # one meaning, said once
    outage = cli("--chains", SHIPPED_CHAINS, "demo", "--scenario", "outage", "-o", "json")
    assert outage.code == 2
    doc = json.loads(outage.out)
    assert doc["scenario"] == "outage" and doc["status"] == "CRITICAL"
    nagios = cli("--chains", SHIPPED_CHAINS, "demo", "-o", "nagios")
    assert nagios.out.startswith("ASPIRECTL WARNING - ")
    bad = cli("--chains", SHIPPED_CHAINS, "demo", "--scenario", "sead")
    assert bad.code == 2 and "unknown scenario 'sead' (did you mean seed?)" in bad.err
    assert_one_line_error(bad)


def test_route_offline_gpt55_names_openai_and_exits_0(cli):
    result = cli("--chains", SHIPPED_CHAINS, "route", "gpt-5.5", "--offline")
    assert result.code == 0, result.text
    assert "gpt-5.5 → served by openai-api (hop 2 of 2), paid per token" in result.out
    assert "✗ 1. codex-shim  declared down  — declared deferred since 2026-05-14" in result.out
    assert "offline: declared states only" in result.out


def test_route_offline_fallback_and_json(cli):
    result = cli("--chains", SHIPPED_CHAINS, "route", "qwen-3.6-omni", "--offline", "-o", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    (omni,) = doc["aliases"]
    assert omni["served_by"]["alias"] == "claude-haiku-4-5"
    assert omni["via_fallback"]["cross_family"] is True
    assert doc["source"] == "offline"


def test_route_unknown_alias_suggests(cli):
    result = cli("--chains", SHIPPED_CHAINS, "route", "gpt-5", "--offline")
    assert result.code == 2
    assert_one_line_error(result)
    assert "did you mean gpt-5.5 or gpt-5.2" in result.err


def test_route_usage_errors(cli):
    for args, text in ((("route",), "name an alias, or use --all for every alias"),
                       (("route", "gpt-5.5", "--all"), "name one alias or use --all, not both"),
                       (("route", "--all", "gpt-5.5"), "name one alias or use --all, not both"),
                       (("route", "gpt-5.5", "--offline", "--cached"), "exclude each other"),
                       (("route", "--all", "--sensitivity", "pii"), "--sensitivity needs one alias"),
                       (("route", "gpt-5.5", "--timeout", "0"), "--timeout must be more than 0")):
        result = cli("--chains", SHIPPED_CHAINS, *args)
        assert result.code == 2, (args, result.text)
        assert text in result.err
        assert_one_line_error(result)


def test_route_live_gemini_in_seed_exits_1(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    result = cli("--chains", chains, "route", "gemini-2.5-pro")
    assert result.code == 1, result.text
    assert "gemini-2.5-pro → served by google-ai-studio (hop 2 of 2), paid per token" in result.out
    assert "✗ 1. google-code-assist  overloaded" in result.out
    assert "MODEL_CAPACITY_EXHAUSTED" in result.out


def test_route_all_table(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    result = cli("--chains", chains, "route", "--all")
    assert result.code == 1
    assert re.search(r"gpt-4\.1\s+OK\s+openai-api \(hop 2\)\s+paid per token\s+codex-shim: unreachable",
                     result.out)


def test_outage_shows_the_gateway_loud_failure_and_probe_exits_2(cli, sandbox_chains):
    chains = sandbox_chains("outage")
    probe = cli("--chains", chains, "probe")
    assert probe.code == 2
    route = cli("--chains", chains, "route", "gpt-5.5")
    assert route.code == 2
    assert "gpt-5.5 → nothing serves: the gateway fails loudly" in route.out
    # the first hop's error (codex-shim refused), as the real proxy answers: tests/test_gateway.py
    assert "the gateway answers 500 internal_server_error:" in route.out
    assert "litellm.InternalServerError: Connection error." in route.out
    assert "Received Model Group=gpt-5.5" in route.out
    claude = json.loads(cli("--chains", chains, "route", "claude-opus-4-7", "-o", "json").out)
    failure = claude["aliases"][0]["failure"]
    assert failure["status"] == 500  # as the real proxy answers an Anthropic overload (recorded)
    assert "Overloaded" in failure["message"]


def test_oauth_exhausted_paid_api_serves_claude(cli, sandbox_chains):
    chains = sandbox_chains("oauth-exhausted")
    result = cli("--chains", chains, "route", "claude-sonnet-4-6")
    assert result.code == 1
    assert "served by anthropic-api (hop 2 of 2), paid per token" in result.out
    assert "quota_exhausted" in result.out and "five_hour window at 100%" in result.out


def test_probe_json_schema(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    result = cli("--chains", chains, "probe", "gpt", "qwen-3.6-omni", "-o", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    assert doc["schema"] == "aspirectl.probe/v1" and doc["status"] == "WARNING" and doc["exit_code"] == 1
    assert set(doc) >= {"started_at", "duration_s", "deep", "hops", "aliases", "summary"}
    hop_keys = {"alias", "upstream", "position", "model", "outcome", "serves", "detail", "http_status",
                "latency_ms", "error_code", "retry_after_s", "reset_at", "request_id", "excerpt",
                "declared_state", "known_down", "checked_at", "step", "origin"}
    assert all(set(h) == hop_keys for h in doc["hops"])
    aliases = {a["alias"]: a for a in doc["aliases"]}
    assert set(aliases) == {"gpt-4.1", "gpt-5.2", "gpt-5.5", "qwen-3.6-omni"}
    assert aliases["gpt-5.5"]["served_by"]["upstream"] == "openai-api"
    assert aliases["qwen-3.6-omni"]["via_fallback"]["alias"] == "claude-haiku-4-5"
    # the fallback target's hops were probed too, so the route can be told
    assert any(h["alias"] == "claude-haiku-4-5" for h in doc["hops"])


def test_probe_nagios_line(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    result = cli("--chains", chains, "probe", "-o", "nagios")
    assert result.code == 1
    first, *rest = result.out.splitlines()
    assert re.fullmatch(r"ASPIRECTL WARNING - 9 aliases: 7 ok, 2 warning \(gemini-2.5-pro, qwen-3.6-omni\) "
                        r"\| aliases_ok=7;;;0;9 aliases_fallback=2;;;0;9 "
                        r"aliases_degraded=0;;;0;9 aliases_failing=0;;;0;9 aliases_unknown=0;;;0;9 "
                        r"hops_serving=11;;;0;16 time=[\d.]+s;;;0;", first), first
    assert any(line.startswith("gemini-2.5-pro: WARNING - google-ai-studio (hop 2)") for line in rest)


def _parse_prometheus(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    metrics: dict[str, list[tuple[dict[str, str], float]]] = {}
    helps = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in helps, f"HELP twice for {name}"
            helps.add(name)
            continue
        if line.startswith("#") or not line:
            continue
        match = re.fullmatch(r"([a-z_]+)(\{(.*)\})? (-?[\d.e+]+)", line)
        assert match, line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        metrics.setdefault(match.group(1), []).append((labels, float(match.group(4))))
    return metrics


def test_probe_prometheus_and_textfile(cli, sandbox_chains, tmp_path):
    chains = sandbox_chains("seed")
    textfile = tmp_path / "collector" / "aspirectl.prom"
    textfile.parent.mkdir()
    result = cli("--chains", chains, "probe", "-o", "prometheus", "--textfile", textfile)
    assert result.code == 1
    metrics = _parse_prometheus(result.out)
    assert all(name.startswith("aspirectl_") for name in metrics)
    success = {(lab["alias"], lab["upstream"]): v for lab, v in metrics["aspirectl_probe_success"]}
    assert success[("gpt-5.5", "codex-shim")] == 0 and success[("gpt-5.5", "openai-api")] == 1
    serving = {lab["alias"]: v for lab, v in metrics["aspirectl_alias_serving_hop"]}
    assert serving["gpt-5.5"] == 2 and serving["qwen-3.6-omni"] == 0 and serving["claude-opus-4-7"] == 1
    via = {lab["alias"]: lab for lab, _ in metrics["aspirectl_alias_serving"]}
    assert via["qwen-3.6-omni"]["via"] == "cross_family_fallback"
    codes = {(lab["alias"], lab["upstream"]): v for lab, v in metrics["aspirectl_probe_http_status_code"]}
    assert codes[("gpt-5.5", "codex-shim")] == 0 and codes[("gemini-2.5-pro", "google-code-assist")] == 429
    assert metrics["aspirectl_status"] == [({}, 1.0)]
    assert "aspirectl_last_run_timestamp_seconds" in metrics
    written = textfile.read_text()
    assert _parse_prometheus(written).keys() == metrics.keys()
    assert not [p for p in textfile.parent.iterdir() if p.name != "aspirectl.prom"], "temp file left"


def test_quiet_prints_nothing_when_ok_and_one_line_otherwise(cli, sandbox_chains):
    healthy = sandbox_chains("all-up")
    ok = cli("--chains", healthy, "probe", "-q", "claude", "gemini", "qwen-3.6")
    assert ok.code == 0 and ok.out == "" and ok.err == ""
    seed = sandbox_chains("seed")
    warn = cli("--chains", seed, "probe", "-q")
    assert warn.code == 1
    assert len(warn.out.splitlines()) == 1 and warn.out.startswith("ASPIRECTL WARNING - ")


def test_changes_reports_only_transitions_and_state_is_private(cli, sandbox_chains, _isolated_home,
                                                               monkeypatch):
    seed = sandbox_chains("seed")
    first = cli("--chains", seed, "probe", "--changes")
    assert first.out.startswith("first run, nothing to compare")
    again = cli("--chains", seed, "probe", "--changes")
    assert again.code == 1 and again.out.startswith("no change since the last run (")
    assert "ASPIRECTL WARNING - 9 aliases" in again.out
    silent = cli("--chains", seed, "probe", "--changes", "-q")
    assert silent.code == 1 and silent.out == ""
    # The same catalog, its state changed: the OpenAI API now answers 502.
    from aspirectl.sandbox.catalogue import SCENARIOS, Behaviour, Scenario

    seed_scenario, seed_box = SCENARIOS["seed"], sandbox_chains.box
    seed_box.switch(Scenario("seed+502", "", {**seed_scenario.upstreams,
                                                         "openai-api": Behaviour(fault="bad_gateway")}))
    outage = seed
    changed = cli("--chains", outage, "probe", "--changes")
    assert changed.code == 2
    assert "alias gpt-5.5: OK via openai-api -> CRITICAL (fails loudly 500)" in changed.out
    assert "hop gpt-5.5 @ openai-api: ok -> upstream_error" in changed.out
    # Another catalog (the outage sandbox) has its own history: never compared with this one.
    other = sandbox_chains("outage")
    assert cli("--chains", other, "probe", "--changes").out.startswith("first run, nothing to compare")
    from aspirectl.state import state_file

    state = state_file(outage)
    assert state.parent == _isolated_home / "state" / "aspirectl"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    text = state.read_text()
    for name, value in os.environ.items():
        if name.startswith("ASPIRECTL_SECRET_"):
            assert value not in text
    export_credentials(seed, monkeypatch)
    seed_box.switch(seed_scenario)
    as_json = json.loads(cli("--chains", seed, "probe", "--changes", "-o", "json").out)
    assert as_json["schema"] == "aspirectl.changes/v1"
    assert {"subject": "alias gpt-5.5", "before": "CRITICAL (fails loudly 500)", "after": "OK via openai-api",
            "detail": ""} in as_json["changes"]


def test_route_cached_uses_the_last_probe(cli, sandbox_chains):
    none = cli("--chains", SHIPPED_CHAINS, "route", "gpt-5.5", "--cached")
    assert none.code == 3 and f"no saved probe of the catalog {SHIPPED_CHAINS}" in none.err
    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe")
    cached = cli("--chains", chains, "route", "gemini-2.5-pro", "--cached")
    assert cached.code == 1
    assert f"cached probe of {chains} from 0 min ago" in cached.out
    # The sandbox's probe is never read back for the real catalog (issue 11.8).
    real = cli("--chains", SHIPPED_CHAINS, "route", "gpt-5.5", "--cached")
    assert real.code == 3 and "connection refused (127.0.0.1" not in real.text
    assert "google-code-assist  overloaded" in cached.out


def test_sensitivity_view_has_a_banner(cli):
    result = cli("--chains", SHIPPED_CHAINS, "route", "qwen-3.6", "--offline", "--sensitivity", "pii")
    assert result.code == 0
    assert "DESIGNED, NOT ENFORCED" in result.out
    assert "1. cloud-first-litellm: allowed (retention none" in result.out
    claude = cli("--chains", SHIPPED_CHAINS, "route", "claude-haiku-4-5", "--offline", "--sensitivity", "pii")
    assert "1. anthropic-oauth: not allowed" in claude.out
    bad = cli("--chains", SHIPPED_CHAINS, "route", "qwen-3.6", "--offline", "--sensitivity", "pi")
    assert bad.code == 2 and "unknown sensitivity class 'pi' (did you mean pii?)" in bad.err


def test_probe_unknown_name_is_unknown_for_monitoring(cli):
    result = cli("--chains", SHIPPED_CHAINS, "probe", "gpt-5")
    assert result.code == 3
    assert_one_line_error(result)
    assert "did you mean gpt-5.5" in result.err
    badopt = cli("--chains", SHIPPED_CHAINS, "probe", "--bogus")
    assert badopt.code == 3
    assert_one_line_error(badopt)


def test_probe_with_invalid_chains_is_unknown(cli, chains_copy):
    (chains_copy / "gpt.yaml").write_text("family: gpt\naliases: [gpt-4.1]\nhops: []\n")
    result = cli("probe")
    assert result.code == 3
    assert_one_line_error(result)
    assert "chains/gpt.yaml:3: family 'gpt' has an empty chain" in result.err


def test_missing_credentials_for_a_whole_chain_is_unknown(cli, sandbox_chains, monkeypatch):
    chains = sandbox_chains("all-up")
    monkeypatch.delenv("ASPIRECTL_SECRET_CLOUD_FIRST_LITELLM_KEY")
    result = cli("--chains", chains, "probe", "qwen-3.6", "-o", "json")
    doc = json.loads(result.out)
    assert result.code == 3
    assert doc["aliases"][0]["status"] == "UNKNOWN"
    assert doc["hops"][0]["outcome"] == "no_credentials"


def test_an_overlapping_run_waits_its_deadline_then_exits_3(sandbox_chains, run_process):
    chains = sandbox_chains("all-up")
    from aspirectl.state import exclusive_run, lock_file

    with exclusive_run(lock_file(chains)):
        started = time.monotonic()
        result = run_process("--chains", chains, "probe", "--deadline", "1.5", env=dict(os.environ))
        waited = time.monotonic() - started
    assert result.code == 3
    assert_one_line_error(result)
    assert "another aspirectl run holds the lock of this catalog" in result.err
    assert "did not finish within 1.5s" in result.err and waited >= 1.5


def test_runs_of_one_catalog_take_turns_and_other_catalogs_do_not_wait(sandbox_chains, run_process):
    import shutil
    import threading

    from aspirectl.state import exclusive_run, lock_file

    chains = sandbox_chains("all-up")
    other = chains.parent / "same-catalog-elsewhere"  # the same sandbox, another catalog directory
    shutil.copytree(chains, other)
    with exclusive_run(lock_file(chains)):
        elsewhere = run_process("--chains", other, "probe", "--deadline", "5", env=dict(os.environ))
    assert elsewhere.code == 1, elsewhere.text  # another catalog, its own lock: all-up's WARNING
    hold = threading.Event()

    def holder() -> None:
        with exclusive_run(lock_file(chains)):
            hold.set()
            time.sleep(1.0)

    thread = threading.Thread(target=holder)
    thread.start()
    hold.wait(5)
    second = run_process("--chains", chains, "probe", "--deadline", "10", env=dict(os.environ))
    thread.join()
    assert second.code == 1, second.text  # it waited for the first run, then ran


def test_progress_line_only_on_a_tty(sandbox_chains, run_process):
    chains = sandbox_chains("seed")
    tty = run_process("--chains", chains, "probe", env={**os.environ, "ASPIRECTL_FORCE_TTY": "1"})
    assert "probing" in tty.err and "hops" in tty.err
    piped = run_process("--chains", chains, "probe", env=dict(os.environ))
    assert "probing" not in piped.err
    quiet = run_process("--chains", chains, "probe", "-q", env={**os.environ, "ASPIRECTL_FORCE_TTY": "1"})
    assert "probing" not in quiet.err


def test_sandbox_serves_for_another_shell(tmp_path):
    """aspirectl sandbox --write-chains DIR, then 'set -a; . DIR/credentials.env; aspirectl probe'."""
    directory = tmp_path / "sb"
    proc = subprocess.Popen([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "sandbox",
                             "--scenario", "seed", "--write-chains", str(directory)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        creds = directory / "credentials.env"
        for _ in range(100):
            if creds.exists():
                break
            time.sleep(0.05)
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        script = f'set -a; . "{creds}"; set +a; "{sys.executable}" -m aspirectl --chains "{directory}" probe -o json'
        shell = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                               env={k: v for k, v in os.environ.items() if not k.startswith("ASPIRECTL_")})
        assert shell.returncode == 1, shell.stderr
        doc = json.loads(shell.stdout)
        outcomes = {(h["alias"], h["upstream"]): h["outcome"] for h in doc["hops"]}
        assert outcomes[("gpt-5.5", "codex-shim")] == "unreachable"
        assert outcomes[("gpt-5.5", "openai-api")] == "ok"
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err  # as documented for Ctrl-C
    assert err.rstrip().endswith("aspirectl: error: interrupted")
    assert "scenario 'seed' on http://127.0.0.1:" in err
    for line in creds.read_text().splitlines()[2:]:
        assert line.split("=", 1)[1] not in err + out


def test_sandbox_list_and_bad_port(cli):
    listed = cli("--chains", SHIPPED_CHAINS, "sandbox", "--list")
    assert listed.code == 0
    for name in ("all-up", "seed", "oauth-exhausted", "outage", "hung", "slow-drip"):
        assert name in listed.out
    bad = cli("--chains", SHIPPED_CHAINS, "sandbox", "--port", "70000")
    assert bad.code == 2


def test_every_command_has_help(cli):
    for args in (["--help"], ["chains", "--help"], ["chains", "list", "--help"], ["chains", "show", "--help"],
                 ["chains", "validate", "--help"], ["chains", "graph", "--help"], ["probe", "--help"],
                 ["route", "--help"], ["sandbox", "--help"], ["demo", "--help"]):
        result = cli(*args)
        assert result.code == 0, args
        assert "Usage:" in result.out


def test_missing_credentials_are_one_block_not_a_hint_per_hop(cli):
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.5", "--deadline", "3")
    assert result.code == 3
    assert result.out.count("Credentials not set here (7)") == 1
    for name in ("anthropic-oauth-token", "openai-api-key", "google-ai-studio-key"):
        env = "ASPIRECTL_SECRET_" + name.upper().replace("-", "_")
        assert result.out.count(env) == 1, env  # said once, in the block
    assert "openai-api-key  (ASPIRECTL_SECRET_OPENAI_API_KEY): 3 hops, gpt-4.1@openai-api" in result.out
    nagios = cli("--chains", SHIPPED_CHAINS, "probe", "gpt-5.5", "-o", "nagios", "--timeout", "0.5")
    assert "ASPIRECTL_SECRET_OPENAI_API_KEY" in nagios.out  # a one-check line keeps its own hint


@pytest.mark.parametrize("width", [60, 80, 100])
def test_on_a_terminal_nothing_is_broken_mid_word(width):
    """In a real terminal (tmux) of 60, 80 and 100 columns, every line aspirectl prints fits:
    the terminal never wraps one (a name or a hint cut in two), tables too wide stack their
    columns, prose wraps at spaces; every alias and upstream is there whole."""
    import shutil
    import subprocess
    import sys
    import uuid

    from aspirectl.catalog.loader import load_catalog

    tmux = shutil.which("tmux")
    assert tmux, "tmux is needed (scripts/test installs it)"
    sock = f"aspirectl-{uuid.uuid4().hex[:8]}"
    command = (f"NO_COLOR=1 {sys.executable} -m aspirectl --chains {SHIPPED_CHAINS} demo 2>&1; "
               "echo __DONE__; sleep 30")
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-x", str(width), "-y", "50", command],
                   env={**os.environ, "COLUMNS": str(width)}, check=True)
    try:
        for _ in range(150):
            screen = subprocess.run([tmux, "-L", sock, "capture-pane", "-p", "-S", "-"], capture_output=True,
                                    text=True).stdout
            if "__DONE__" in screen:
                break
            time.sleep(0.1)
        joined = subprocess.run([tmux, "-L", sock, "capture-pane", "-p", "-J", "-S", "-"], capture_output=True,
                                text=True).stdout
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)
    assert "__DONE__" in screen and "ASPIRECTL WARNING" in screen.replace("\n", " ")
    assert screen.count("\n") == joined.count("\n"), "the terminal wrapped a line aspirectl printed"
    # Every alias and upstream the plain (piped) output names, the terminal shows as often,
    # whole: a name folded across lines or cropped at the edge would be missing.
    from collections import Counter

    catalog = load_catalog(SHIPPED_CHAINS)
    names = {*catalog.aliases, *catalog.upstreams}
    token = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
    piped = subprocess.run([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "demo"],
                           capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60).stdout
    shown = Counter(t for t in token.findall(screen) if t in names)
    wanted = Counter(t for t in token.findall(piped) if t in names)
    assert shown == wanted, (wanted - shown, shown - wanted)
