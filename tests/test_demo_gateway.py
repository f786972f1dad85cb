"""demo --via-gateway: LiteLLM's own proxy (each release the project runs) started by aspirectl
in front of the simulators, configured by the export for the release it finds, every hop
probed through it; and every way that start can go wrong (no proxy, a proxy that dies or never
answers, one that would see the operator's credentials) as one line, exit 3, nothing left."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.test_gateway import RELEASES, litellm_bin

SEED_DOWN = {("gpt-4.1", "codex-shim"): "unreachable", ("gpt-5.2", "codex-shim"): "unreachable",
             ("gpt-5.5", "codex-shim"): "unreachable", ("qwen-3.6-omni", "cloud-first-litellm"): "upstream_error",
             ("gemini-2.5-pro", "google-code-assist"): "overloaded"}


@pytest.fixture(autouse=True)
def _no_release_told(monkeypatch):
    """The release comes from the proxy found, not from the environment."""
    monkeypatch.delenv("ASPIRECTL_LITELLM_VERSION", raising=False)


@pytest.mark.parametrize("release", RELEASES)
def test_demo_through_a_real_proxy_it_started_reads_the_seed_state(cli, release, tmp_path, monkeypatch):
    """The proxy's release is read from its interpreter, the export made for it (1.80.0/1.85.0
    need the OAuth Bearer in extra_headers, 1.108.7 must not have it: a wrong target would
    fail every Claude OAuth hop), every hop asked through it; afterwards it is gone."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = cli("--chains", SHIPPED_CHAINS, "demo", "--via-gateway", "--litellm", litellm_bin(release),
                 "-o", "json")
    assert result.code == 1, result.text  # WARNING: the seed state
    doc = json.loads(result.out)
    assert {(h["alias"], h["upstream"]): h["outcome"] for h in doc["hops"] if h["outcome"] != "ok"} == SEED_DOWN
    assert {a["alias"]: a["served_by"]["alias"] for a in doc["aliases"]}["qwen-3.6-omni"] == "claude-haiku-4-5"
    url = doc["via_gateway"]
    assert url.startswith("http://127.0.0.1:")
    assert all("through the gateway" in h["detail"] for h in doc["hops"] if h["outcome"] == "ok")
    with pytest.raises(httpx.ConnectError):  # stopped with the demo
        httpx.get(url + "/health/liveliness", timeout=2)
    assert list(tmp_path.iterdir()) == []  # its directory (config, key-free env, log) removed


def test_demo_table_says_which_proxy_served_it(cli):
    result = cli("--chains", SHIPPED_CHAINS, "demo", "--via-gateway", "--litellm", litellm_bin(RELEASES[-1]))
    assert result.code == 1, result.text
    assert (f"Every hop is asked through LiteLLM {RELEASES[-1]}'s own proxy on http://127.0.0.1:"
            in " ".join(result.out.split()))
    assert f"with the export for {RELEASES[-1]}" in " ".join(result.out.split())
    assert "(in front of real upstreams a run costs up to 10 input + 1 output tokens per hop, billed only on " \
           "paid hops)" in " ".join(result.out.split())


def _fake_litellm(directory: Path, body: str) -> Path:
    directory.mkdir(exist_ok=True)
    script = directory / "litellm"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_the_proxy_sees_only_the_configs_variables_and_never_the_key_in_argv(cli, tmp_path, monkeypatch):
    """What the operator's environment holds (a real credential, aspirectl's own secrets, a
    proxy, a database URL) never reaches the proxy; the master key made for the run is only in
    its environment; what the proxy said when it died is one printable line; exit 3."""
    seen = tmp_path / "seen"
    fake = _fake_litellm(tmp_path / "bin", f'echo "$@" > {seen}.argv\nenv > {seen}.env\n'
                                           'printf "boom \\033[31mred\\033[0m: no such module\\n"\nexit 7\n')
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operators-real-key-123456")
    monkeypatch.setenv("ASPIRECTL_SECRET_ANTHROPIC_API_KEY", "sk-ant-operators-own-987654")
    monkeypatch.setenv("HTTPS_PROXY", "http://corporate-proxy:3128")
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod:pw@db/litellm")
    result = cli("--chains", SHIPPED_CHAINS, "demo", "--via-gateway", "--litellm", fake)
    assert result.code == 3, result.text
    assert_one_line_error(result)
    assert "LiteLLM's proxy exited (7) before it served: boom" in result.err
    assert result.err.rstrip().endswith("red [0m: no such module")  # the escape made inert
    assert "\x1b" not in result.text
    env = dict(line.split("=", 1) for line in Path(f"{seen}.env").read_text().splitlines() if "=" in line)
    assert env["OPENAI_API_KEY"] != "sk-operators-real-key-123456"  # the sandbox's dummy value
    assert env["LITELLM_MASTER_KEY"].startswith("sk-demo-")
    assert not {"HTTPS_PROXY", "DATABASE_URL", "ASPIRECTL_SECRET_ANTHROPIC_API_KEY"} & set(env)
    assert env["NO_PROXY"] == "127.0.0.1,localhost"
    argv = Path(f"{seen}.argv").read_text()
    assert env["LITELLM_MASTER_KEY"] not in argv and "--host 127.0.0.1 --port" in argv


def test_verbose_shows_more_of_what_the_proxy_printed(cli, tmp_path):
    fake = _fake_litellm(tmp_path / "bin", 'echo "Traceback: ImportError: prisma"\necho "\033]0;title\007"\n'
                                           'echo "last words"\nexit 1\n')
    plain = cli("--chains", SHIPPED_CHAINS, "demo", "--via-gateway", "--litellm", fake)
    assert plain.code == 3 and "exited (1) before it served: last words (--verbose shows more" in plain.err
    verbose = cli("--verbose", "--chains", SHIPPED_CHAINS, "demo", "--via-gateway", "--litellm", fake)
    assert verbose.code == 3
    detail = verbose.err.splitlines()[-1]
    assert detail.startswith("aspirectl: error: proxy log: Traceback: ImportError: prisma | ") and \
        detail.endswith(" | last words")
    assert "\x1b" not in verbose.err and "\x07" not in verbose.err


def test_no_litellm_anywhere_is_one_line_naming_the_fix(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli("--chains", SHIPPED_CHAINS, "demo", "--via-gateway")
    assert result.code == 3, result.text
    assert_one_line_error(result)
    assert "'litellm' is not on PATH" in result.err and "pip install 'litellm[proxy]'" in result.err


@pytest.mark.parametrize("make", ["missing", "not executable", "a directory"])
def test_a_litellm_that_is_not_a_program_is_one_line(cli, tmp_path, make):
    target = tmp_path / "litellm"
    if make == "not executable":
        target.write_text("#!/bin/sh\n")
    elif make == "a directory":
        target.mkdir()
    result = cli("--chains", SHIPPED_CHAINS, "demo", "--via-gateway", "--litellm", target)
    assert result.code == 2, result.text  # a bad argument
    assert_one_line_error(result)
    assert f"--litellm {target}: no executable file there" in result.err or \
        (make == "a directory" and f"'{target}' is a directory" in result.err)


@pytest.mark.parametrize("args, says", [
    (("--litellm", "/bin/true"), "--litellm names the proxy for --via-gateway: add --via-gateway"),
    (("--usage", "--via-gateway"), "--usage reads an embedded request log: it does not go with --via-gateway"),
])
def test_options_that_do_not_go_together_are_usage_errors(cli, args, says):
    result = cli("--chains", SHIPPED_CHAINS, "demo", *args)
    assert result.code == 2, result.text
    assert_one_line_error(result)
    assert says in result.err


def test_a_proxy_that_never_answers_is_stopped_and_said_in_one_line(tmp_path):
    """Not within the deadline: its whole process group is stopped (a child it forked too)."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.errors import ConfigError
    from aspirectl.gateway.launch import sandbox_gateway
    from aspirectl.sandbox.app import SandboxThread

    pids = tmp_path / "pids"
    fake = _fake_litellm(tmp_path / "bin", f"sleep 300 &\necho $! > {pids}\necho waiting for nothing\nwait\n")
    with SandboxThread(load_catalog(SHIPPED_CHAINS), "seed") as box, pytest.raises(ConfigError) as caught, \
            sandbox_gateway(box, fake, within_s=1.5):
        pass
    assert "did not answer on http://127.0.0.1:" in str(caught.value)
    assert str(caught.value).endswith("within 1.5 s: waiting for nothing")
    status = Path(f"/proc/{int(pids.read_text())}/status")
    deadline = time.monotonic() + 5
    while status.exists() and "State:\tZ" not in status.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not status.exists() or "State:\tZ" in status.read_text()  # gone (or dead, unreaped)


def test_the_release_is_asked_only_of_a_python(tmp_path):
    """A shebang naming a shell is not run with Python's question as its command."""
    from aspirectl.gateway.launch import release_of

    marker = tmp_path / "ran"
    interpreter = _fake_litellm(tmp_path / "a", f"touch {marker}\n")  # would say nothing anyway
    script = tmp_path / "litellm"
    script.write_text(f"#!{interpreter}\n")
    assert release_of(script) is None and not marker.exists()
    assert release_of(litellm_bin(RELEASES[0])) == RELEASES[0]
    assert release_of(tmp_path / "missing") is None
