"""As deployed (#18): what the monitoring commands leave behind on every path, the per-catalog
lock and success, and acknowledgements of a known WARNING, over the real sandbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.sandbox.catalogue import SCENARIOS, Behaviour, Scenario
from tests.conftest import SHIPPED_CHAINS


def _seed_with(**changes: Behaviour) -> Scenario:
    """The seed scenario with some upstreams' faults changed (same transports: same URLs)."""
    seed = SCENARIOS["seed"]
    return Scenario("seed-changed", "seed, changed", {**seed.upstreams, **{k.replace("_", "-"): v
                                                                           for k, v in changes.items()}})


def _metrics(path) -> dict[str, float]:
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


# ------------------------------------------------- 3. monitoring output on every path


@pytest.mark.parametrize("case", ["bad chain file", "unknown alias", "bad option", "unusable proxy",
                                  "missing chains dir"])
def test_every_probe_error_prints_one_nagios_line_and_writes_status_3(cli, tmp_path, monkeypatch, case):
    chains = tmp_path / "chains"
    import shutil

    shutil.copytree(SHIPPED_CHAINS, chains)
    args = ["--chains", chains, "probe"]
    if case == "bad chain file":
        (chains / "gpt.yaml").write_text("family: gpt\naliases: [gpt-5.5\n")
    elif case == "unknown alias":
        args.append("gtp-5.5")
    elif case == "bad option":
        args.append("--bogus")
    elif case == "unusable proxy":
        monkeypatch.setenv("HTTPS_PROXY", "::bad::")
    else:
        args = ["--chains", tmp_path / "nowhere", "probe"]
    textfile = tmp_path / "aspirectl.prom"
    textfile.write_text("aspirectl_status 0\n")  # the last good run's file
    result = cli(*args, "-o", "nagios", "--textfile", textfile)
    assert result.code == 3, result.text
    lines = result.out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ASPIRECTL UNKNOWN - "), result.out
    assert len(lines[0]) > len("ASPIRECTL UNKNOWN - ") + 10  # the cause, not a blank
    metrics = _metrics(textfile)
    assert metrics["aspirectl_status"] == 3
    assert abs(metrics["aspirectl_last_run_timestamp_seconds"] - time.time()) < 60


@pytest.mark.parametrize("case", ["no spend table", "db unreachable", "bad since"])
def test_every_usage_error_prints_one_nagios_line_and_writes_status_3(cli, tmp_path, case):
    import sqlite3

    bare = tmp_path / "keys-only.db"
    conn = sqlite3.connect(bare)
    conn.execute('CREATE TABLE "LiteLLM_VerificationToken" (token TEXT PRIMARY KEY)')
    conn.close()
    db = {"no spend table": f"sqlite:///{bare}", "db unreachable": "postgresql://x@127.0.0.1:1/db",
          "bad since": f"sqlite:///{bare}"}[case]
    extra = ["--since", "yesterday"] if case == "bad since" else []
    textfile = tmp_path / "usage.prom"
    result = cli("--db", db, "--chains", SHIPPED_CHAINS, "usage", *extra, "-o", "nagios", "--textfile", textfile)
    assert result.code == 3, result.text
    assert result.out.startswith("ASPIRECTL USAGE UNKNOWN - ") and len(result.out.splitlines()) == 1
    assert _metrics(textfile)["aspirectl_usage_status"] == 3


def test_no_nagios_line_unless_nagios_was_asked_for(cli):
    result = cli("--chains", SHIPPED_CHAINS, "probe", "gtp-5.5")
    assert result.code == 3 and result.out == ""
    ops = cli("--chains", SHIPPED_CHAINS, "chains", "show", "gtp-5.5", "-o", "json")
    assert ops.code == 2 and ops.out == ""  # not a monitoring command: its error is stderr only


# -------------------------------------------- last success: per catalog, complete runs


def test_last_success_comes_from_complete_runs_only(cli, sandbox_chains, tmp_path):
    chains = sandbox_chains("seed")
    textfile = tmp_path / "aspirectl.prom"
    partial = cli("--chains", chains, "probe", "gpt", "claude", "--textfile", textfile)
    assert partial.code == 0, partial.text
    assert _metrics(textfile)["aspirectl_last_success_timestamp_seconds"] == 0  # a partial run is none
    whole = cli("--chains", chains, "probe", "--textfile", textfile)
    assert whole.code == 1  # the seed's steady WARNING is a verdict: the check succeeded
    assert abs(_metrics(textfile)["aspirectl_last_success_timestamp_seconds"] - time.time()) < 60
    success = _metrics(textfile)["aspirectl_last_success_timestamp_seconds"]
    time.sleep(1.1)
    cli("--chains", chains, "probe", "gpt", "--textfile", textfile)
    assert _metrics(textfile)["aspirectl_last_success_timestamp_seconds"] == success  # kept, not moved
    broken = cli("--chains", chains, "probe", "gtp", "--textfile", textfile)  # an error keeps it too
    assert broken.code == 3 and _metrics(textfile)["aspirectl_last_success_timestamp_seconds"] == success


# ------------------------------------------------------------------ acknowledgements


def test_an_acknowledged_warning_exits_0_with_a_note_in_every_output(cli, sandbox_chains, tmp_path):
    chains = sandbox_chains("seed")
    assert cli("--chains", chains, "probe").code == 1  # the state the acknowledgement records
    for subject, reason in (("qwen-3.6-omni", "declared fallback; KO names haiku explicitly"),
                            ("google-code-assist", "free tier at capacity most days")):
        added = cli("--chains", chains, "ack", subject, "--for", "7d", "--reason", reason)
        assert added.code == 0, added.text
    textfile = tmp_path / "aspirectl.prom"
    nagios = cli("--chains", chains, "probe", "-o", "nagios", "--textfile", textfile)
    assert nagios.code == 0, nagios.text
    lines = nagios.out.splitlines()
    assert lines[0].startswith("ASPIRECTL OK - ") and "2 acknowledged" in lines[0]
    assert any(ln.startswith("qwen-3.6-omni: WARNING [acknowledged until ") and "KO names haiku" in ln
               for ln in lines)
    assert any(ln.startswith("gemini-2.5-pro: WARNING [acknowledged until ") for ln in lines)
    doc = json.loads(cli("--chains", chains, "probe", "-o", "json").out)
    assert doc["status"] == "OK" and doc["exit_code"] == 0 and doc["summary"]["acknowledged"] == 2
    aliases = {a["alias"]: a for a in doc["aliases"]}
    assert aliases["qwen-3.6-omni"]["status"] == "WARNING"  # the alias's own verdict stays true
    acks = {a["subject"]: a for a in doc["acknowledgements"]}
    assert acks["google-code-assist"]["applied_to"] == ["gemini-2.5-pro"]
    assert acks["qwen-3.6-omni"]["state"] == "WARNING via claude-haiku-4-5 on anthropic-oauth (fallback)"
    prom = textfile.read_text()
    assert "aspirectl_status 0" in prom
    assert 'aspirectl_alias_acknowledged{alias="qwen-3.6-omni",until="' in prom
    table = cli("--chains", chains, "probe")
    assert table.code == 0 and "acknowledged (qwen-3.6-omni): qwen-3.6-omni acknowledged until" in table.out
    quiet = cli("--chains", chains, "probe", "-q")
    assert quiet.code == 0 and quiet.out == ""  # cron: nothing to mail


def test_an_acknowledgement_never_hides_a_critical_or_a_change(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    box = sandbox_chains.box
    assert cli("--chains", chains, "probe").code == 1
    assert cli("--chains", chains, "ack", "qwen-3.6-omni", "--reason", "known").code == 0
    assert cli("--chains", chains, "ack", "gemini-2.5-pro", "--reason", "known").code == 0
    assert cli("--chains", chains, "probe").code == 0
    # Claude's subscription is rejected: qwen-3.6-omni is now served by the PAID anthropic-api.
    box.switch(_seed_with(anthropic_oauth=Behaviour(fault="subscription_rejected")))
    changed = cli("--chains", chains, "probe", "-o", "nagios")
    assert changed.code == 1, changed.out
    assert "acknowledgement of qwen-3.6-omni not applied: the state changed" in changed.out
    news = cli("--chains", chains, "probe", "--changes", "-q")
    assert news.code == 1
    # Gemini's paid hop overloaded too: nothing serves it, CRITICAL whatever is acknowledged.
    box.switch(_seed_with(google_ai_studio=Behaviour(fault="overloaded")))
    critical = cli("--chains", chains, "probe", "-o", "json")
    assert critical.code == 2
    notes = {a["subject"]: a for a in json.loads(critical.out)["acknowledgements"]}
    assert notes["gemini-2.5-pro"]["applied"] is False and "CRITICAL" in notes["gemini-2.5-pro"]["why_not"]


def test_an_acknowledgement_expires_loudly_and_changes_reports_it(cli, sandbox_chains):
    from aspirectl.acks import load_acks, save_acks

    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe")
    for subject in ("qwen-3.6-omni", "gemini-2.5-pro"):
        assert cli("--chains", chains, "ack", subject, "--for", "1h", "--reason", "known").code == 0
    assert cli("--chains", chains, "probe", "--changes", "-q").code == 0
    import dataclasses

    past = datetime.now(UTC) - timedelta(minutes=1)
    save_acks(chains, [dataclasses.replace(a, until=past) if a.subject == "qwen-3.6-omni" else a
                       for a in load_acks(chains)])
    ended = cli("--chains", chains, "probe", "--changes", "-q")
    assert ended.code == 1
    assert "acknowledgement qwen-3.6-omni: acknowledged -> no longer (expired" in ended.out
    again = cli("--chains", chains, "probe", "--changes", "-q")
    assert again.code == 1 and again.out == ""  # news once; the WARNING itself is steady now
    listed = cli("--chains", chains, "ack", "list")
    assert "(ended)" in listed.out
    assert cli("--chains", chains, "ack", "remove", "qwen-3.6-omni").code == 0
    assert cli("--chains", chains, "ack", "remove", "qwen-3.6-omni").code == 1


@pytest.mark.parametrize("args, code, said", [
    (("ack", "nope", "--reason", "x"), 2, "unknown alias or upstream 'nope'"),
    (("ack", "qwen-3.6", "--reason", ""), 2, "--reason is required"),
    (("ack", "qwen-3.6", "--for", "91d", "--reason", "x"), 2, "at most 90 days"),
    (("ack", "qwen-3.6", "--for", "soon", "--reason", "x"), 2, "bad duration"),
    (("ack", "qwen-3.6-omni", "--reason", "x"), 2, "no saved probe of this catalog says qwen-3.6-omni is failing"),
])
def test_bad_acknowledgements_are_refused_with_one_line(cli, args, code, said):
    result = cli("--chains", SHIPPED_CHAINS, *args)
    assert result.code == code and said in result.err and "Traceback" not in result.text


def test_only_a_warning_of_the_last_probe_is_acknowledged(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe")
    ok = cli("--chains", chains, "ack", "claude-haiku-4-5", "--reason", "x")
    assert ok.code == 2 and "is not a WARNING in the last probe (OK via anthropic-oauth)" in ok.err
    serving = cli("--chains", chains, "ack", "openai-api", "--reason", "x")
    assert serving.code == 2 and "says openai-api is failing" in serving.err


def test_the_acknowledgements_file_is_private_and_a_corrupt_one_is_unknown(cli, sandbox_chains):
    import os
    import stat

    from aspirectl.acks import acks_file

    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe")
    assert cli("--chains", chains, "ack", "qwen-3.6-omni", "--reason", "known").code == 0
    path = acks_file(chains)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    path.write_text("{not json")
    result = cli("--chains", chains, "probe", "-o", "nagios")
    assert result.code == 3 and result.out.startswith("ASPIRECTL UNKNOWN - cannot read the acknowledgements")


def test_route_as_a_nagios_check_prints_its_line_on_every_path(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    ok = cli("--chains", chains, "route", "gpt-5.5", "-o", "nagios")
    assert ok.code == 0 and ok.out.startswith("ASPIRECTL OK - route: 1 alias: 1 ok")
    every = cli("--chains", chains, "route", "--all", "-o", "nagios")
    assert every.code == 1 and every.out.startswith("ASPIRECTL WARNING - route: 9 aliases: 7 ok, 2 warning")
    assert any(ln.startswith("qwen-3.6-omni: WARNING - claude-haiku-4-5 via anthropic-oauth")
               for ln in every.out.splitlines())
    typo = cli("--chains", chains, "route", "gtp-5.5", "-o", "nagios")
    assert typo.code == 3 and typo.out.startswith("ASPIRECTL UNKNOWN - unknown alias 'gtp-5.5'")
    interactive = cli("--chains", chains, "route", "gtp-5.5")  # without -o nagios: a usage error
    assert interactive.code == 2 and interactive.out == ""


def test_usage_with_no_database_named_is_unknown_and_names_no_store(cli):
    result = cli("--chains", SHIPPED_CHAINS, "usage", "-o", "nagios")
    assert result.code == 3 and result.out.startswith("ASPIRECTL USAGE UNKNOWN - no gateway database named")
    assert "embedded default" not in result.err  # no notice that it read the local key store
