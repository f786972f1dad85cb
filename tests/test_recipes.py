"""The cron and monitoring recipes in docs/recipes, run for real where this machine can."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_probe_cli import _parse_prometheus

RECIPES = ROOT / "docs" / "recipes"
ASPIRECTL = str(Path(sys.executable).parent / "aspirectl")
NAGIOS_LINE = re.compile(r"^ASPIRECTL (OK|WARNING|CRITICAL|UNKNOWN) - .+ \| aliases_ok=\d+;;;0;\d+ ")
STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = command.replace("/usr/local/bin/aspirectl", ASPIRECTL)
    command = re.sub(r"(?<![\w/.-])aspirectl(?= )", ASPIRECTL, command)
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def seed_env(sandbox_chains, tmp_path):
    chains = sandbox_chains("seed")
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    return {**os.environ, "ASPIRECTL_CHAINS": str(chains)}, textfiles


def _crontab() -> tuple[dict[str, str], str]:
    """The shipped crontab's variables and its probe job's command."""
    lines = [ln for ln in (RECIPES / "crontab").read_text().splitlines() if ln and not ln.startswith("#")]
    variables = dict(ln.split("=", 1) for ln in lines if re.match(r"^[A-Z_]+=", ln))
    job = next(ln for ln in lines if re.match(r"^[*/\d,-]+ ", ln) and "probe" in ln)
    fields = job.split(None, 5)
    assert fields[:5] == ["*/5", "*", "*", "*", "*"]
    return variables, fields[5]


def test_crontab_line_is_quiet_single_and_locked(seed_env, tmp_path):
    env, textfiles = seed_env
    if not shutil.which("flock"):
        pytest.fail("flock (util-linux) is needed for the crontab recipe")
    variables, command = _crontab()
    assert variables["PATH"].split(":")[0] == "/usr/local/bin" and "/usr/bin" in variables["PATH"]
    command = command.replace("/run/lock/", f"{tmp_path}/").replace(
        "/var/lib/node_exporter/textfile", str(textfiles)).replace(
        "/etc/aspirectl/credentials.env", str(Path(env["ASPIRECTL_CHAINS"]) / "credentials.env"))
    for _ in range(2):  # the steady seed state: a WARNING, and nothing to mail
        result = _run(command, env)
        assert result.returncode == 1 and result.stdout == "", result.stdout
    assert "aspirectl_status 1" in (textfiles / "aspirectl.prom").read_text()
    lock = tmp_path / "aspirectl-probe.lock"
    with open(lock, "w") as held:
        import fcntl

        fcntl.flock(held, fcntl.LOCK_EX)
        skipped = _run(command, env)
    assert skipped.returncode == 1 and skipped.stdout == ""  # flock -n: this run is skipped


def test_systemd_units_parse_and_their_command_runs(seed_env):
    env, textfiles = seed_env
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.optionxform = str  # type: ignore[assignment,method-assign]
    service.read(RECIPES / "aspirectl-probe.service")
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(RECIPES / "aspirectl-probe.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["SuccessExitStatus"] == "1"
    assert timer["Timer"]["OnUnitActiveSec"] == "5min"
    command = service["Service"]["ExecStart"].replace("/var/lib/node_exporter/textfile", str(textfiles))
    result = _run(command, env)
    assert result.returncode == 1 and (textfiles / "aspirectl.prom").exists()
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(["systemd-analyze", "verify", str(RECIPES / "aspirectl-probe.timer")],
                                capture_output=True, text=True)
        assert "Unknown" not in verify.stderr


def test_textfile_script_writes_parseable_metrics(seed_env):
    env, textfiles = seed_env
    result = subprocess.run(["sh", str(RECIPES / "node-exporter-textfile.sh")], capture_output=True, text=True,
                            env={**env, "TEXTFILE_DIR": str(textfiles),
                                 "PATH": f"{Path(ASPIRECTL).parent}:{env['PATH']}"}, timeout=120)
    assert result.returncode == 1
    metrics = _parse_prometheus((textfiles / "aspirectl.prom").read_text())
    assert "aspirectl_alias_fallback_active" in metrics


def test_nagios_command_definition(seed_env):
    env, _ = seed_env
    text = (RECIPES / "nagios-commands.cfg").read_text()
    command_line = re.search(r"command_line\s+(.+)", text).group(1)
    for arg, state in (("", "WARNING"), ("gpt", "OK")):
        result = _run(command_line.replace("$ARG1$", arg), env)
        first = result.stdout.splitlines()[0]
        assert NAGIOS_LINE.match(first), first
        assert first.startswith(f"ASPIRECTL {state} - ") and result.returncode == STATES[state]


def test_icinga2_command_builds_a_working_check(seed_env):
    env, _ = seed_env
    text = (RECIPES / "icinga2-command.conf").read_text()
    base = re.search(r"command = \[(.+?)\]", text).group(1)
    argv = [a.strip().strip('"') for a in base.split(",")]
    timeout = re.search(r"vars.aspirectl_timeout = (\d+)", text).group(1)
    deadline = re.search(r"vars.aspirectl_deadline = (\d+)", text).group(1)
    argv = [ASPIRECTL if a.endswith("aspirectl") else a for a in argv]
    result = subprocess.run([*argv, "--timeout", timeout, "--deadline", deadline], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 1 and NAGIOS_LINE.match(result.stdout)


def test_prometheus_rules_use_metrics_aspirectl_writes(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe")
    assert cli("--chains", chains, "ack", "qwen-3.6-omni", "--reason", "known").code == 0
    written = _parse_prometheus(cli("--chains", chains, "probe", "-o", "prometheus").out)
    rules = yaml.safe_load((RECIPES / "prometheus-alerts.yml").read_text())
    names = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert {"alert", "expr", "labels", "annotations"} <= set(rule)
            assert rule["labels"]["severity"] in ("warning", "critical")
            for metric in re.findall(r"\baspirectl_[a-z_]+", rule["expr"]):
                names.add(metric)
                assert metric in written, metric
                if "$labels.alias" in str(rule["annotations"]):
                    assert all("alias" in labels for labels, _ in written[metric])
    assert {"aspirectl_alias_fallback_active", "aspirectl_alias_failing"} <= names
    stale = next(r for g in rules["groups"] for r in g["rules"] if r["alert"] == "AspirectlTextfileStale")
    assert "node_textfile_mtime_seconds" in stale["expr"]
    for recipe in ("prometheus-alerts.yml", "usage-alerts.yml"):
        check = subprocess.run([_promtool(), "check", "rules", str(RECIPES / recipe)], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def _promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        pytest.fail("promtool (Debian package prometheus) is needed: scripts/test installs it")
    return found


def test_recipes_readme_lists_every_recipe():
    listed = (RECIPES / "README.md").read_text()
    for path in RECIPES.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in listed, path.name


def test_the_key_audit_cron_line_mails_only_findings(tmp_path):
    """The shipped keys-audit line: silent for a clean key store, the findings otherwise."""
    job = next(ln for ln in (RECIPES / "crontab").read_text().splitlines() if " keys audit " in ln)
    watched = tmp_path / "openclaw"
    watched.mkdir()
    command = job.split(None, 5)[5].replace("/etc/openclaw", str(watched))
    env = {**os.environ, "ASPIRECTL_DB_URL": f"sqlite:///{tmp_path}/k.db", "ASPIRECTL_LITELLM_VERSION": "1.108.7"}
    created = subprocess.run([ASPIRECTL, "keys", "create", "svc", "--models", "gpt-5.5", "--create", "--save",
                              str(tmp_path / "svc.env")], env=env, capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    clean = _run(command, env)
    assert clean.stdout == "", clean.stdout  # nothing to mail
    (watched / "agent.env").write_text((tmp_path / "svc.env").read_text())  # the key, copied in plaintext
    leaked = _run(command, env)
    assert leaked.stdout.startswith("ASPIRECTL KEYS CRITICAL - ") and "svc: CRITICAL plaintext" in leaked.stdout
