"""The shipped monitoring recipes inside the real tools that run them (#18): Prometheus'
`promtool` over textfiles written by real runs, Nagios Core running the shipped command and
service definitions, a real cron daemon running the shipped crontab line with cron's own
environment. Each test fails (never skips) where the tool is missing: scripts/test installs
them (Debian packages prometheus, nagios4-core, cron)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from aspirectl.sandbox.catalogue import SCENARIOS, Behaviour, Scenario
from tests.conftest import ROOT, SHIPPED_CHAINS

RECIPES = ROOT / "docs" / "recipes"
ALERTS = RECIPES / "prometheus-alerts.yml"
EVAL_MIN = 80  # long enough for every rule's `for:` and the one-hour success window


def _tool(name: str, *where: str) -> str:
    found = shutil.which(name) or next((p for p in where if os.access(p, os.X_OK)), None)
    if not found:
        pytest.fail(f"{name} is needed for the as-deployed tests: scripts/test installs it")
    return found


def _aspirectl(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aspirectl", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, value = line.rsplit(" ", 1)
        name, _, rest = head.partition("{")
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', rest))
        out.append((name, labels, float(value)))
    return out


# ----------------------------------------------------------------- the scenarios, run


@dataclass
class Run:
    """One monitored situation: what the textfile says after it, and what Nagios prints."""

    name: str
    textfile: str
    nagios: str
    code: int
    steady: bool = True  # every run in this situation rewrites the textfile
    succeeding: bool = True  # every run in this situation is a complete run with a verdict
    notes: list[str] = field(default_factory=list)


def _seed_with(**changes: Behaviour) -> Scenario:
    seed = SCENARIOS["seed"]
    return Scenario("seed-changed", "seed, changed",
                    {**seed.upstreams, **{k.replace("_", "-"): v for k, v in changes.items()}})


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    """Real runs of the probe, as the recipes run it, in every situation the docs table lists."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import SandboxThread

    base = tmp_path_factory.mktemp("situations")
    home = base / "home"
    env = {"HOME": str(home), "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_CONFIG_HOME": str(home / "config"), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    out: dict[str, Run] = {}

    def probe(name: str, chains: Path, *extra: str, **kw: object) -> Run:
        textfile = base / f"{name}.prom"
        result = _aspirectl("--chains", chains, "probe", *extra, "-o", "nagios", "--timeout", "3",
                            "--deadline", "8", "--textfile", textfile, env=run_env)
        run = Run(name, textfile.read_text(), result.stdout, result.returncode, **kw)  # type: ignore[arg-type]
        out[name] = run
        return run

    for scenario in ("seed", "all-up", "oauth-exhausted", "outage"):
        thread = SandboxThread(load_catalog(SHIPPED_CHAINS), scenario)
        box = thread.start()
        chains = base / f"chains-{scenario}"
        box.write_chains(chains)
        run_env = {**env, **{ln.split("=", 1)[0]: ln.split("=", 1)[1] for ln in
                             (chains / "credentials.env").read_text().splitlines() if ln and ln[0] != "#"}}
        try:
            probe(scenario, chains)
            if scenario == "seed":
                for subject in ("qwen-3.6-omni", "google-code-assist"):
                    assert _aspirectl("--chains", chains, "ack", subject, "--for", "30d", "--reason",
                                      "known: declared, reviewed", env=run_env).returncode == 0
                probe("seed, acknowledged", chains)
                # only partial runs from here on: the success stops advancing
                probe("partial runs only", chains, "gpt", "claude", succeeding=False)
                (chains / "gpt.yaml").write_text("family: gpt\naliases: [gpt-5.5\n")
                probe("bad chain file", chains, succeeding=False)
                shutil.copy(base / "seed.prom", base / "stale.prom")
                out["textfile not rewritten"] = Run("textfile not rewritten", out["seed"].textfile,
                                                    out["seed"].nagios, out["seed"].code, steady=False)
        finally:
            thread.stop()
    return out


# ---------------------------------------------------------------- what should fire
# Written by hand from the meaning of each alert (docs/recipes/README.md), not from the runs.

EXPECTED: dict[str, dict[str, set[str]]] = {
    "seed": {"LLMAliasOnFallback": {"qwen-3.6-omni", "gemini-2.5-pro"}},
    "seed, acknowledged": {},
    "all-up": {},
    "oauth-exhausted": {"LLMAliasOnFallback": {"claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"}},
    "outage": {"LLMAliasFailingLoudly": {"claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7",
                                         "gemini-2.5-pro", "gpt-4.1", "gpt-5.2", "gpt-5.5", "qwen-3.6",
                                         "qwen-3.6-omni"}},
    "partial runs only": {"AspirectlNoSuccessfulRun": {""}},
    "bad chain file": {"AspirectlCheckUnknown": {""}, "AspirectlNoSuccessfulRun": {""}},
    "textfile not rewritten": {"AspirectlTextfileStale": {""}, "AspirectlNoSuccessfulRun": {""},
                               "LLMAliasOnFallback": {"qwen-3.6-omni", "gemini-2.5-pro"}},
}
NAGIOS_STATE = {"seed": "WARNING", "seed, acknowledged": "OK", "all-up": "WARNING", "oauth-exhausted": "WARNING",
                "outage": "CRITICAL", "partial runs only": "OK", "bad chain file": "UNKNOWN",
                "textfile not rewritten": "WARNING"}


def _series(run: Run) -> list[dict[str, str]]:
    """The textfile as promtool input series over EVAL_MIN minutes at 1m. A steady situation
    rewrites the file every run: its timestamps advance with time() (promtool's clock starts
    at 0); the success timestamp advances only where every run succeeds."""
    samples = _samples(run.textfile)
    written = next(v for n, _, v in samples if n == "aspirectl_last_run_timestamp_seconds")
    out = []
    for name, labels, value in samples:
        if name.endswith("_timestamp_seconds") and name != "aspirectl_probe_reset_timestamp_seconds":
            advancing = run.steady and (name == "aspirectl_last_run_timestamp_seconds" or
                                        (run.succeeding and abs(value - written) < 120))
            values = f"0+60x{EVAL_MIN}" if advancing else f"{value - written if value else 0:g}x{EVAL_MIN}"
        else:
            values = f"{value:g}x{EVAL_MIN}"
        inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
        out.append({"series": f"{name}{{{inner}}}", "values": values})
    mtime = f"0+60x{EVAL_MIN}" if run.steady else f"0x{EVAL_MIN}"
    out.append({"series": 'node_textfile_mtime_seconds{file="/var/lib/node_exporter/textfile/aspirectl.prom"}',
                "values": mtime})
    return out


def _render(template: str, alias: str) -> str:
    return template.replace("{{ $labels.alias }}", alias)


def test_every_textfile_passes_promtool_check_metrics(runs):
    promtool = _tool("promtool")
    for name, run in runs.items():
        check = subprocess.run([promtool, "check", "metrics"], input=run.textfile, capture_output=True, text=True)
        assert check.returncode == 0, (name, check.stdout + check.stderr)


def test_every_alert_fires_exactly_where_the_docs_say(runs, tmp_path):
    """promtool test rules over the series real runs wrote: each alert fires for exactly the
    aliases the table expects, and nothing else fires, in every situation."""
    promtool = _tool("promtool")
    rules = yaml.safe_load(ALERTS.read_text())["groups"][0]["rules"]
    tests = []
    for name, run in runs.items():
        expected = EXPECTED[name]
        alert_tests = []
        for rule in rules:
            aliases = expected.get(rule["alert"], set())
            exp = []
            for alias in sorted(aliases):
                labels = {**rule["labels"], **({"alias": alias} if alias else {})}
                if rule["alert"] == "AspirectlTextfileStale":
                    labels["file"] = "/var/lib/node_exporter/textfile/aspirectl.prom"
                exp.append({"exp_labels": labels,
                            "exp_annotations": {k: _render(v, alias) for k, v in rule["annotations"].items()}})
            alert_tests.append({"eval_time": f"{EVAL_MIN}m", "alertname": rule["alert"], "exp_alerts": exp})
        tests.append({"name": name, "interval": "1m", "input_series": _series(run), "alert_rule_test": alert_tests})
    shutil.copy(ALERTS, tmp_path / "rules.yml")
    (tmp_path / "tests.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m",
                                                         "tests": tests}, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", str(tmp_path / "tests.yml")], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    for name, run in runs.items():  # and the Nagios line of the same run says the documented state
        assert run.nagios.startswith(f"ASPIRECTL {NAGIOS_STATE[name]} - "), (name, run.nagios)
    _check_docs_table(runs)


def _table(runs: dict[str, Run]) -> str:
    lines = ["| situation | Nagios state (first line of the check) | alerts that fire (Prometheus) |",
             "|---|---|---|"]
    for name, run in runs.items():
        first = run.nagios.splitlines()[0].split(" | ")[0] if run.nagios else "(nothing)"
        first = re.sub(r"/\S*/chains-[\w-]+", "/etc/aspirectl/chains", first)
        if len(first) > 110:
            first = first[:109] + "…"
        fired = "; ".join(f"{alert} ({', '.join(sorted(a for a in aliases if a)) or 'once'})"
                          for alert, aliases in sorted(EXPECTED[name].items())) or "none"
        lines.append(f"| {name} | `{first}` | {fired} |")
    return "\n".join(lines) + "\n"


def _check_docs_table(runs: dict[str, Run]) -> None:
    readme = (RECIPES / "README.md").read_text()
    start, end = "<!-- monitoring-table: written from tests/test_daemons.py -->\n", "<!-- /monitoring-table -->"
    table = _table(runs)
    if start not in readme or readme.split(start, 1)[1].split(end, 1)[0] != table:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "monitoring-table.md").write_text(table)
        pytest.fail("docs/recipes/README.md's monitoring table differs from the runs; the table these runs "
                    f"give is in test-artifacts/monitoring-table.md:\n{table}")
