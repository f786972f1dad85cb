"""The shipped monitoring recipes inside the real tools that run them (#18): Prometheus'
`promtool` over textfiles written by real runs, Nagios Core running the shipped command and
service definitions, a real cron daemon running the shipped crontab line with cron's own
environment. Each test fails (never skips) where the tool is missing: scripts/test installs
them (Debian packages prometheus, nagios4-core, cron)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
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
    start, end = "<!-- monitoring-table: written from tests/test_daemons.py -->\n", "<!-- /monitoring-table -->"
    table = _table(runs)
    shown = [doc.split(start, 1)[1].split(end, 1)[0] if start in doc else None
             for doc in ((RECIPES / "README.md").read_text(), (ROOT / "README.md").read_text())]
    if shown != [table, table]:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "monitoring-table.md").write_text(table)
        pytest.fail("the monitoring table of README.md or docs/recipes/README.md differs from the runs; the "
                    "table these runs "
                    f"give is in test-artifacts/monitoring-table.md:\n{table}")


# ------------------------------------------------------------------------ Nagios Core

def _world_dir(prefix: str) -> Path:
    """A directory other users (nagios, nobody) can read: pytest's own tmp is root's alone."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def _wrapper(directory: Path) -> Path:
    """An `aspirectl` any user can run: Debian's python3 (same minor as the test venv's) on
    the checkout and the test venv's packages, as an installed console script would."""
    import sysconfig

    site = sysconfig.get_paths()["purelib"]
    path = directory / "aspirectl"
    paths = json.dumps([str(ROOT), site])  # double quotes inside the shell's single quotes
    path.write_text("#!/bin/sh\nexec /usr/bin/python3 -I -c 'import sys; sys.path[:0] = "
                    f"{paths}; from aspirectl.cli.main import main; sys.exit(main())' \"$@\"\n")
    path.chmod(0o755)
    return path


def _owned_by(path: Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _shared_sandbox(work: Path, scenario: str):
    """A sandbox scenario, started, and its catalog at work/chains readable by other users
    (the nagios user, nobody): (the running thread, its sandbox, the catalog, its credentials)."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import SandboxThread

    thread = SandboxThread(load_catalog(SHIPPED_CHAINS), scenario)
    box = thread.start()
    chains = work / "chains"
    box.write_chains(chains)
    chains.chmod(0o755)
    credentials = [ln for ln in (chains / "credentials.env").read_text().splitlines() if ln and ln[0] != "#"]
    return thread, box, chains, credentials


@dataclass
class Situation:
    name: str
    catalog: str = "seed"  # sandbox scenario of the catalog, or "" for no sandbox
    break_catalog: bool = False
    arg: str = ""  # the probe service's $ARG1$
    db: str = ""  # ASPIRECTL_DB_URL for the usage service
    hold_lock: bool = False


NAGIOS_SITUATIONS = [
    Situation("seed"),
    Situation("all-up", catalog="all-up"),
    Situation("oauth-exhausted", catalog="oauth-exhausted"),
    Situation("outage", catalog="outage"),
    Situation("hung", catalog="hung"),
    Situation("slow-drip", catalog="slow-drip"),
    Situation("bad chain file", break_catalog=True),
    Situation("unknown alias", arg="gtp"),
    Situation("lock held by another run", hold_lock=True),
    Situation("DB unreachable", db="postgresql://aspirectl@127.0.0.1:1/litellm"),
    Situation("DB without the spend-log table", db="sqlite"),
]


def _nagios_config(work: Path, wrapper: Path, sandbox_url: str | None) -> Path:
    shipped = (RECIPES / "nagios-commands.cfg").read_text().replace("/usr/local/bin/aspirectl", str(wrapper))
    (work / "aspirectl.cfg").write_text(shipped)
    (work / "site.cfg").write_text("""
define timeperiod {
    timeperiod_name 24x7
    alias always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define command {
    command_name notify-nobody
    command_line /bin/true
}
define contact {
    contact_name ops
    alias Ops
    host_notifications_enabled 0
    service_notifications_enabled 0
    host_notification_period 24x7
    service_notification_period 24x7
    host_notification_options n
    service_notification_options n
    host_notification_commands notify-nobody
    service_notification_commands notify-nobody
}
define service {
    name generic-service
    register 0
    max_check_attempts 1
    check_interval 5
    retry_interval 1
    check_period 24x7
    notification_interval 0
    notification_period 24x7
    notifications_enabled 0
    contacts ops
}
define host {
    alias the LLM gateway
    host_name llm-gateway
    address 127.0.0.1
    max_check_attempts 1
    check_period 24x7
    notification_interval 0
    notification_period 24x7
    notifications_enabled 0
    contacts ops
}
""")
    for sub in ("checkresults", "rw"):
        (work / sub).mkdir(exist_ok=True)
        _owned_by(work / sub, "nagios")
    _owned_by(work, "nagios")
    cfg = work / "nagios.cfg"
    cfg.write_text(f"""log_file={work}/nagios.log
cfg_file={work}/site.cfg
cfg_file={work}/aspirectl.cfg
object_cache_file={work}/objects.cache
precached_object_file={work}/objects.precache
resource_file={work}/resource.cfg
status_file={work}/status.dat
status_update_interval=1
nagios_user=nagios
nagios_group=nagios
check_external_commands=0
lock_file={work}/nagios.pid
temp_file={work}/nagios.tmp
temp_path={work}
check_result_path={work}/checkresults
check_result_reaper_frequency=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_concurrent_checks=0
service_check_timeout=60
retain_state_information=0
execute_host_checks=0
enable_notifications=0
enable_environment_macros=0
use_syslog=0
log_initial_states=1
check_for_updates=0
illegal_macro_output_chars=`~$&|'"<>
""")
    (work / "resource.cfg").write_text("$USER1$=/usr/lib/nagios/plugins\n")
    return cfg


def _status(path: Path) -> dict[str, dict[str, str]]:
    """status.dat's servicestatus blocks: service_description -> its fields."""
    out: dict[str, dict[str, str]] = {}
    text = path.read_text(errors="replace") if path.exists() else ""
    for block in re.findall(r"servicestatus \{\n(.*?)\n\t\}", text, re.S):
        fields = dict(line.strip().split("=", 1) for line in block.splitlines() if "=" in line)
        out[fields["service_description"]] = fields
    return out


def _run_nagios(situation: Situation, tmp_path: Path) -> dict[str, dict[str, str]]:
    import fcntl

    nagios = _tool("nagios4", "/usr/sbin/nagios4")
    work = _world_dir("aspirectl-nagios-")
    thread, _, chains, credentials = _shared_sandbox(work, situation.catalog)
    held = None
    try:
        if situation.break_catalog:
            (chains / "gpt.yaml").write_text("family: gpt\naliases: [gpt-5.5\n")
        state = work / "nagios-state"
        state.mkdir()
        _owned_by(state, "nagios")
        state.chmod(0o700)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(state), "XDG_STATE_HOME": str(state),
               "ASPIRECTL_CHAINS": str(chains), "LANG": "C.UTF-8"}
        env.update(ln.split("=", 1) for ln in credentials)
        if situation.db == "sqlite":
            import sqlite3

            db = work / "keys-only.db"
            conn = sqlite3.connect(db)
            conn.execute('CREATE TABLE "LiteLLM_VerificationToken" (token TEXT PRIMARY KEY)')
            conn.close()
            db.chmod(0o644)
            env["ASPIRECTL_DB_URL"] = f"sqlite:///{db}"
        elif situation.db:
            env["ASPIRECTL_DB_URL"] = situation.db
        if situation.hold_lock:  # another run of the same catalog, as the nagios user would
            saved = os.environ.get("XDG_STATE_HOME")
            os.environ["XDG_STATE_HOME"] = str(state)
            try:
                from aspirectl.state import lock_file

                lock = lock_file(chains)
            finally:
                os.environ["XDG_STATE_HOME"] = saved or ""
            lock.parent.mkdir(parents=True, mode=0o700)
            _owned_by(lock.parent, "nagios")
            lock.touch(mode=0o600)
            _owned_by(lock, "nagios")
            held = open(lock, "w")  # noqa: SIM115 - held for the whole run
            fcntl.flock(held, fcntl.LOCK_EX)
        cfg = _nagios_config(work, _wrapper(work), None)
        probe_arg = situation.arg
        if probe_arg:
            text = (work / "aspirectl.cfg").read_text().replace("check_aspire_gateway!gpt",
                                                                 f"check_aspire_gateway!{probe_arg}")
            text = text.replace("check_command           check_aspire_gateway\n",
                                f"check_command           check_aspire_gateway!{probe_arg}\n")
            (work / "aspirectl.cfg").write_text(text)
        verify = subprocess.run([nagios, "-v", str(cfg)], capture_output=True, text=True, env=env)
        assert verify.returncode == 0, verify.stdout[-3000:]
        proc = subprocess.Popen([nagios, str(cfg)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wanted = {"LLM gateway chains", "LLM gateway GPT family", "LLM gateway usage"}
            found: dict[str, dict[str, str]] = {}
            for _ in range(400):
                found = _status(work / "status.dat")
                if wanted <= set(found) and all(found[s].get("has_been_checked") == "1" for s in wanted):
                    break
                time.sleep(0.1)
            else:
                pytest.fail(f"Nagios did not check every service within 40 s: {found}")
            return found
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        if held is not None:
            held.close()
        thread.stop()
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("situation", NAGIOS_SITUATIONS, ids=[s.name for s in NAGIOS_SITUATIONS])
def test_nagios_records_the_right_state_and_cause_never_a_blank(situation, tmp_path):
    """Nagios Core loads the shipped command and service definitions and runs them as its own
    user with its own environment; status.dat holds what an operator sees."""
    status = _run_nagios(situation, tmp_path)
    chains, gpt, usage = (status[s] for s in ("LLM gateway chains", "LLM gateway GPT family",
                                              "LLM gateway usage"))
    for service in (chains, gpt, usage):
        assert service["plugin_output"].strip(), service  # never a blank UNKNOWN
        assert service["plugin_output"].startswith("ASPIRECTL ")
    state = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
    expect = {
        "seed": ("WARNING", "OK", "UNKNOWN", "ASPIRECTL WARNING - 9 aliases: 7 ok, 2 warning"),
        "all-up": ("WARNING", "WARNING", "UNKNOWN", "ASPIRECTL WARNING - 9 aliases: 5 ok, 4 warning"),
        "oauth-exhausted": ("WARNING", "WARNING", "UNKNOWN", "ASPIRECTL WARNING - 9 aliases: 2 ok, 7 warning"),
        "outage": ("CRITICAL", "CRITICAL", "UNKNOWN", "ASPIRECTL CRITICAL - 9 aliases: 0 ok, 9 failing loudly"),
        # every hop hangs or drips past the recipe's 8 s timeout: nothing can be told from here
        "hung": ("CRITICAL", "CRITICAL", "UNKNOWN", "ASPIRECTL CRITICAL - 9 aliases: 0 ok, 9 failing loudly"),
        "slow-drip": ("CRITICAL", "CRITICAL", "UNKNOWN", "ASPIRECTL CRITICAL - 9 aliases: 0 ok, 9 failing loudly"),
        "bad chain file": ("UNKNOWN", "UNKNOWN", "UNKNOWN", "ASPIRECTL UNKNOWN - invalid chain files"),
        "unknown alias": ("UNKNOWN", "UNKNOWN", "UNKNOWN", "ASPIRECTL UNKNOWN - unknown alias or family 'gtp'"),
        "lock held by another run": ("UNKNOWN", "UNKNOWN", "UNKNOWN",
                                     "ASPIRECTL UNKNOWN - another aspirectl run holds the lock of this catalog"),
        "DB unreachable": ("WARNING", "OK", "UNKNOWN", "ASPIRECTL WARNING - 9 aliases"),
        "DB without the spend-log table": ("WARNING", "OK", "UNKNOWN", "ASPIRECTL WARNING - 9 aliases"),
    }[situation.name]
    got = (state[int(chains["current_state"])], state[int(gpt["current_state"])],
           state[int(usage["current_state"])])
    assert got == expect[:3], (got, chains["plugin_output"], gpt["plugin_output"], usage["plugin_output"])
    assert chains["plugin_output"].startswith(expect[3]), chains["plugin_output"]
    table = (RECIPES / "README.md").read_text()
    row = re.search(rf"^\| {re.escape(situation.name)} \| `([^`]*)` \|", table, re.M)
    if row and not situation.break_catalog:  # the docs table's Nagios column is what Nagios recorded
        recorded = chains["plugin_output"].split(" | ")[0]
        assert recorded.startswith(row.group(1).rstrip("…")), (recorded, row.group(1))
    usage_cause = {"seed": "no gateway database named",
                   "DB unreachable": "cannot connect to postgresql 127.0.0.1:1/litellm",
                   "DB without the spend-log table": "has no LiteLLM_SpendLogs table"}.get(situation.name)
    if usage_cause:
        assert usage["plugin_output"].startswith("ASPIRECTL USAGE UNKNOWN - ") and usage_cause in \
            usage["plugin_output"], usage["plugin_output"]


# ------------------------------------------------------------------------------- cron

SENDMAIL = """#!/bin/sh
# cron's mail, captured: one file per message, named after its recipient
n=$(date +%s%N)
cat > "{mail}/$n.$$.eml"
"""


def _crontab_recipe() -> tuple[dict[str, str], str]:
    lines = [ln for ln in (RECIPES / "crontab").read_text().splitlines() if ln and not ln.startswith("#")]
    variables = dict(ln.split("=", 1) for ln in lines if re.match(r"^[A-Z_]+=", ln))
    job = next(ln for ln in lines if re.match(r"^[*/\d,-]+ ", ln) and " probe " in ln)
    return variables, job.split(None, 5)[5]


def _mails(mail_dir: Path, to: str) -> list[str]:
    found = [p.read_text(errors="replace") for p in sorted(mail_dir.glob("*.eml"))]
    return [m for m in found if re.search(rf"^To: {re.escape(to)}", m, re.M)]


def _wait(predicate, seconds: float, what: str, evidence=lambda: "") -> None:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"waited {seconds:.0f} s for {what}; {evidence()}")


def test_the_crontab_line_under_a_real_cron_daemon(tmp_path):
    """The shipped crontab, verbatim but for its paths, run by Debian's cron (in a private
    mount namespace: its own spool, /etc/crontab, /run and sendmail, nothing of the host's)
    as root and as an unprivileged user, with cron's own environment. In the seed state with
    the known WARNINGs acknowledged no mail is sent; an outage sends exactly one."""
    cron = _tool("cron", "/usr/sbin/cron")
    if not Path("/usr/sbin/sendmail").exists():
        pytest.fail("/usr/sbin/sendmail (an MTA: nagios4's mailx pulls one in) is needed for cron's mail")
    work = _world_dir("aspirectl-cron-")
    thread, box, chains, credentials = _shared_sandbox(work, "seed")
    cron_proc = None
    try:
        bin_dir, mail, spool, run = (work / d for d in ("bin", "mail", "spool", "run"))
        for d in (bin_dir, mail, spool, run, work / "cron.d"):
            d.mkdir()
        mail.chmod(0o1777)
        run.chmod(0o1777)  # /run/lock's own mode
        _wrapper(bin_dir)
        (work / "sendmail").write_text(SENDMAIL.format(mail=mail))
        (work / "sendmail").chmod(0o755)
        (work / "etc-crontab").write_text("# empty: only the users' crontabs run here\n")
        variables, command = _crontab_recipe()
        assert variables["PATH"].startswith("/usr/local/bin:")
        users = {"root": "root", "nobody": "nobody"}
        for user in users:
            state, textfiles = work / f"state-{user}", work / f"textfile-{user}"
            for d in (state, textfiles):
                d.mkdir()
                _owned_by(d, user)
            state.chmod(0o700)
            env = {**variables, "MAILTO": f"{user}-ops@aspire.example", "ASPIRECTL_CHAINS": str(chains),
                   "XDG_STATE_HOME": str(state)}
            secrets = work / f"credentials-{user}.env"  # the recipe's /etc/aspirectl/credentials.env
            secrets.write_text("".join(f"{c}\n" for c in credentials))
            _owned_by(secrets, user)
            secrets.chmod(0o600)
            line = command.replace("/var/lib/node_exporter/textfile", str(textfiles)).replace(
                "/run/lock/aspirectl-probe.lock", str(run / f"aspirectl-probe-{user}.lock")).replace(
                "/etc/aspirectl/credentials.env", str(secrets))
            crontab = spool / user
            crontab.write_text("".join(f"{k}={v}\n" for k, v in env.items()) + f"* * * * * {line}\n")
            _owned_by(crontab, user)
            crontab.chmod(0o600)
            # The operator's steps before cron: one probe, then the known WARNINGs acknowledged.
            as_user = ["su", "-s", "/bin/sh", user, "-c"] if user != "root" else ["sh", "-c"]
            home = "/" if user == "root" else "/nonexistent"  # nobody's home does not exist
            prefix = " ".join(f"{k}='{v}'" for k, v in {**env, "HOME": home}.items() if k != "SHELL") + " " + \
                " ".join(credentials)
            for step, code in (("probe -q --timeout 8 --deadline 50", 1),  # the seed's WARNING, recorded
                               ("ack qwen-3.6-omni --for 30d --reason 'declared fallback'", 0),
                               ("ack google-code-assist --for 30d --reason 'free tier at capacity'", 0)):
                done = subprocess.run([*as_user, f"env -i {prefix} {bin_dir}/aspirectl {step}"],
                                      capture_output=True, text=True, timeout=90)
                assert done.returncode == code, (user, step, done.stdout, done.stderr)
        _owned_by(spool, "root")
        os.chown(spool, 0, int(subprocess.run(["getent", "group", "crontab"], capture_output=True,
                                              text=True).stdout.split(":")[2]))
        spool.chmod(0o1730)
        script = (f"mount -t tmpfs tmpfs /run && mkdir -p /run/lock && "
                  f"mount --bind {spool} /var/spool/cron/crontabs && "
                  f"mount --bind {work}/etc-crontab /etc/crontab && mount --bind {work}/cron.d /etc/cron.d && "
                  f"mount --bind {work}/sendmail /usr/sbin/sendmail && mount --bind {bin_dir} /usr/local/bin && "
                  f"exec {cron} -f -L 15")
        cron_proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def ran(user: str, after: float) -> bool:
            path = work / f"textfile-{user}" / "aspirectl.prom"
            return path.exists() and path.stat().st_mtime > after

        started = time.time()
        def evidence() -> str:
            mails = "\n---\n".join(p.read_text(errors="replace")[-600:] for p in mail.glob("*.eml"))
            alive = cron_proc.poll() if cron_proc is not None else None
            return f"cron exit status {alive}; mail:\n{mails or '(none)'}"

        _wait(lambda: all(ran(u, started) for u in users), 75, "cron's first run of the job", evidence)
        for user in users:
            text = (work / f"textfile-{user}" / "aspirectl.prom").read_text()
            why = [ln for ln in text.splitlines() if ln.startswith(("aspirectl_status", "aspirectl_alias_status",
                                                                   "aspirectl_alias_acknowledged"))]
            assert "aspirectl_status 0" in text, (user, why)  # acknowledged: OK
            assert _mails(mail, f"{user}-ops@aspire.example") == [], _mails(mail, f"{user}-ops@aspire.example")
        # An outage of the Claude family: both Anthropic hops overloaded.
        box.switch(_seed_with(anthropic_oauth=Behaviour(fault="overloaded"),
                              anthropic_api=Behaviour(fault="overloaded")))
        second = time.time()
        _wait(lambda: all(ran(u, second) for u in users), 75, "cron's second run of the job")
        _wait(lambda: all(_mails(mail, f"{u}-ops@aspire.example") for u in users), 10, "the outage's mail")
        for user in users:
            mails = _mails(mail, f"{user}-ops@aspire.example")
            assert len(mails) == 1, mails
            assert "ASPIRECTL CRITICAL" in mails[0] and "claude-haiku-4-5" in mails[0]
            for credential in credentials:  # cron mails its environment: no credential is in it
                assert credential.split("=", 1)[1] not in mails[0]
            assert "aspirectl_status 2" in (work / f"textfile-{user}" / "aspirectl.prom").read_text()
    finally:
        if cron_proc is not None:
            cron_proc.terminate()
            cron_proc.wait(10)
        thread.stop()
        shutil.rmtree(work, ignore_errors=True)


def test_a_day_of_steady_runs_prints_nothing_with_crons_environment(tmp_path):
    """What cron would mail for a day of the steady, acknowledged seed state, without waiting
    a day: the crontab's own command, run 24 times (scripts/cron-day runs all 288) with only
    the crontab's variables, as cron gives them. Output is what cron mails: there is none."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import SandboxThread

    variables, command = _crontab_recipe()
    thread = SandboxThread(load_catalog(SHIPPED_CHAINS), "seed")
    box = thread.start()
    try:
        chains = tmp_path / "chains"
        box.write_chains(chains)
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "aspirectl").symlink_to(Path(sys.executable).parent / "aspirectl")
        (tmp_path / "textfile").mkdir()
        env = {**variables, "PATH": f"{bin_dir}:{variables['PATH']}", "HOME": str(tmp_path),
               "LOGNAME": "root", "ASPIRECTL_CHAINS": str(chains), "XDG_STATE_HOME": str(tmp_path / "state"),
               "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
        line = command.replace("/var/lib/node_exporter/textfile", str(tmp_path / "textfile")).replace(
            "/run/lock/", f"{tmp_path}/").replace("/etc/aspirectl/credentials.env", str(chains / "credentials.env"))
        operator = {**env, **dict(ln.split("=", 1) for ln in (chains / "credentials.env").read_text().splitlines()
                                  if ln and ln[0] != "#")}
        for step, code in (("probe -q --timeout 8 --deadline 50", 1), ("ack qwen-3.6-omni --reason known", 0),
                           ("ack google-code-assist --reason known", 0)):
            done = subprocess.run(["sh", "-c", f"aspirectl {step}"], env=operator, capture_output=True, timeout=90)
            assert done.returncode == code, (step, done.stdout, done.stderr)
        for run in range(24):
            result = subprocess.run(["/bin/sh", "-c", line], env=env, capture_output=True, text=True, timeout=60)
            assert (result.stdout, result.stderr, result.returncode) == ("", "", 0), run
    finally:
        thread.stop()
