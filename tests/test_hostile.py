"""Attacks from issue 12, each reproduced over real sockets and real files and shown handled:
classified or refused with one line, bounded in time and memory, nothing overwritten,
nothing leaked."""

from __future__ import annotations

import gzip
import json
import os
import stat
import time
from pathlib import Path

import pytest
import yaml

from aspirectl.sandbox.httpserver import Response
from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.hostile import chains_pointing, credential_env, http_server, measured

UPSTREAMS = ("anthropic-oauth", "anthropic-api", "codex-shim", "openai-api", "cloud-first-litellm",
             "google-code-assist", "google-ai-studio")


def every_upstream(url: str) -> dict[str, str]:
    return dict.fromkeys(UPSTREAMS, url)

SECRET = "sk-hostile-test-credential-0001"


@pytest.fixture
def creds(monkeypatch):
    for name, value in credential_env(SECRET).items():
        monkeypatch.setenv(name, value)


def _probe_cli(cli, chains: Path, *args: str):
    return cli("--chains", chains, "probe", "--timeout", "2", "--deadline", "4", *args)


# ------------------------------------------------------------------ 1. files and symlinks

def test_textfile_never_follows_a_symlink_planted_at_a_temporary_or_final_name(cli, tmp_path, creds):
    """A group-writable textfile dir: links planted at every name the old code would have used
    (.NAME.PID.tmp) and at the final name itself. Nothing outside is written or chmod-ed."""
    textdir = tmp_path / "textfile"
    textdir.mkdir(mode=0o777)
    textdir.chmod(0o777)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim.chmod(0o600)
    for pid in (os.getpid(), os.getpid() + 1):
        (textdir / f".aspirectl.prom.{pid}.tmp").symlink_to(victim)
    final = textdir / "aspirectl.prom"
    final.symlink_to(victim)
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1",
                 "--textfile", final, "-o", "nagios")
    assert "ASPIRECTL" in result.out
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert not final.is_symlink() and final.is_file()
    assert stat.S_IMODE(final.stat().st_mode) == 0o644
    assert "aspirectl_status" in final.read_text()


def test_textfile_is_0644_under_a_strict_umask_and_state_0600(cli, tmp_path, creds):
    old = os.umask(0o077)
    try:
        target = tmp_path / "m.prom"
        cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1",
            "--textfile", target, "-q")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    from aspirectl.state import state_file

    state = state_file(SHIPPED_CHAINS)
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_state_file_never_written_through_a_planted_symlink(cli, tmp_path, creds):
    state_dir = Path(os.environ["XDG_STATE_HOME"]) / "aspirectl"
    state_dir.mkdir(parents=True, mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    from aspirectl.state import state_file

    name = state_file(SHIPPED_CHAINS).name
    (state_dir / name).symlink_to(victim)
    for pid in (os.getpid(),):
        (state_dir / f".{name}.{pid}.tmp").symlink_to(victim)
    cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1", "-q")
    assert victim.read_text() == "precious\n"
    assert not (state_dir / name).is_symlink()


def test_a_symlink_at_the_lock_file_is_refused_with_one_line(cli, tmp_path, creds):
    state_dir = Path(os.environ["XDG_STATE_HOME"]) / "aspirectl"
    state_dir.mkdir(parents=True, mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    from aspirectl.state import lock_file

    lock_file(SHIPPED_CHAINS).symlink_to(victim)
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1")
    assert result.code == 3
    assert_one_line_error(result)
    assert "lock file" in result.err and "symbolic link" in result.err
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("attack", ["world-writable", "other-owner", "symlink"])
def test_an_attacker_controlled_state_directory_is_refused(cli, tmp_path, creds, attack):
    base = Path(os.environ["XDG_STATE_HOME"])
    base.mkdir(parents=True, exist_ok=True)
    state_dir = base / "aspirectl"
    if attack == "symlink":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        state_dir.symlink_to(elsewhere)
    else:
        state_dir.mkdir(mode=0o700)
        if attack == "world-writable":
            state_dir.chmod(0o777)
        else:
            os.chown(state_dir, 65534, 65534)
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1")
    assert result.code == 3, result.text
    assert_one_line_error(result)
    assert "refusing to use" in result.err


def test_textfile_into_a_missing_directory_is_refused_not_created(cli, tmp_path, creds):
    target = tmp_path / "no-such-dir" / "aspirectl.prom"
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1",
                 "--textfile", target, "-q")
    assert result.code == 3
    assert_one_line_error(result)
    assert "no such directory" in result.err and "internal error" not in result.err
    assert not target.parent.exists()


def test_textfile_on_an_unwritable_path_is_the_operators_problem(cli, creds):
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--timeout", "0.3", "--deadline", "1",
                 "--textfile", "/proc/1/aspirectl.prom", "-q")
    assert result.code == 3
    assert_one_line_error(result)
    assert "internal error" not in result.err and "cannot write the textfile" in result.err


# --------------------------------------------------- 2. one bad answer never kills the run

BAD_ANSWERS = {
    # name: (protocol's upstream, status, headers, body bytes)
    "100k-deep JSON 200": ("openai-api", 200, {}, b"[" * 100_000 + b"]" * 100_000),
    "100k-deep JSON 429": ("openai-api", 429, {}, b'{"error":' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "huge reset timestamp": ("anthropic-oauth", 429,
                             {"anthropic-ratelimit-unified-status": "rejected",
                              "anthropic-ratelimit-unified-reset": "9" * 40},
                             b'{"type":"error","error":{"type":"rate_limit_error","message":"x"}}'),
    "reset in year 10^15": ("anthropic-oauth", 200, {},
                            b'{"five_hour":{"utilization":100,"resets_at":1e300}}'),
    "resets_in_seconds soon": ("openai-api", 429, {},
                               b'{"error":{"type":"usage_limit_reached","resets_in_seconds":"soon"}}'),
    "google details 5": ("google-ai-studio", 429, {},
                         b'{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":5}}'),
    "google metadata list": ("google-ai-studio", 429, {},
                             b'{"error":{"code":429,"details":[{"@type":"x.ErrorInfo","reason":"R",'
                             b'"metadata":[1,2]}]}}'),
    "retry in 1.2.3s": ("google-ai-studio", 429, {},
                        b'{"error":{"code":429,"message":"Please retry in 1.2.3s","status":"X"}}'),
    "retry-after nan": ("openai-api", 429, {"retry-after": "nan"},
                        b'{"error":{"code":"rate_limit_exceeded","message":"slow down"}}'),
    "litellm unhealthy not a list": ("cloud-first-litellm", 200, {},
                                     b'{"healthy_endpoints":[],"unhealthy_endpoints":7}'),
    "code-assist buckets junk": ("google-code-assist", 200, {},
                                 b'{"currentTier":{"id":"free"},"cloudaicompanionProject":"p",'
                                 b'"buckets":[{"modelId":"gemini-2.5-pro","remainingFraction":0,'
                                 b'"resetTime":[1]}]}'),
}


@pytest.mark.parametrize("name", list(BAD_ANSWERS))
def test_one_bad_answer_is_that_hops_problem_and_the_run_finishes(cli, tmp_path, creds, name):
    _, status, headers, body = BAD_ANSWERS[name]
    with http_server(lambda req: Response(status, body, {"content-type": "application/json",
                                                          **headers})) as url:
        chains = chains_pointing(tmp_path / "chains", every_upstream(url))
        textfile = tmp_path / "m.prom"
        result = _probe_cli(cli, chains, "-o", "nagios", "--textfile", textfile)
    assert result.code in (0, 1, 2), result.text
    assert result.out.startswith("ASPIRECTL "), result.text
    assert "internal error" not in result.err
    assert "aspirectl_status" in textfile.read_text()
    json_run = None
    with http_server(lambda req: Response(status, body, {"content-type": "application/json",
                                                          **headers})) as url:
        chains_pointing(tmp_path / "chains", every_upstream(url))
        json_run = _probe_cli(cli, chains, "-o", "json")
    document = json.loads(json_run.out)
    assert document["summary"]["hops"] > 0


# ------------------------------------------------------------- 3. YAML injection in export

def test_a_multi_line_note_never_becomes_yaml_in_the_export(cli, tmp_path):
    chains = chains_pointing(tmp_path / "chains", {})
    text = (chains / "upstreams.yaml").read_text()
    evil = ('    state:\n      status: deferred\n      note: "x\\n  - model_name: gpt-5.5\\n'
            '    litellm_params: {model: openai/gpt-5.5, api_base: http://evil.example, '
            'api_key: os.environ/ANTHROPIC_API_KEY}\\u2028api_base: http://evil\\x1b]8;;x"\n')
    text = text.replace("    billing: paid\n    note: Paid; last resort for the GPT family.\n",
                        "    billing: paid\n" + evil)
    (chains / "upstreams.yaml").write_text(text)
    assert cli("--chains", chains, "chains", "validate").code == 0
    result = cli("--chains", chains, "chains", "export", "--format", "litellm")
    assert result.code == 0, result.text
    assert "evil" in result.out  # the note is there, as a comment
    document = yaml.safe_load(result.out)
    params = [d["litellm_params"] for d in document["model_list"]]
    assert not any("evil" in json.dumps(p) for p in params)
    assert all(not line.lstrip().startswith("api_base: http://evil") for line in result.out.splitlines())
    assert "\x1b" not in result.out


def test_export_check_compares_routing_fields_and_flags_duplicate_keys(cli, tmp_path):
    config = tmp_path / "config.yaml"
    out = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--format", "litellm").out
    config.write_text(out)
    assert cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config).code == 0
    # Another api_base and another upstream's credential for one deployment, and a duplicate key.
    tampered = out.replace("api_base: https://api.openai.com/v1\n    api_key: os.environ/OPENAI_API_KEY",
                           "api_base: http://evil.example/v1\n    api_key: os.environ/ANTHROPIC_API_KEY", 1)
    assert tampered != out
    tampered = tampered.replace("  num_retries: 0\n", "  num_retries: 0\n  num_retries: 3\n", 1)
    config.write_text(tampered)
    result = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config)
    assert result.code == 1, result.text
    assert "api_base is http://evil.example/v1 in the config, the chains say https://api.openai.com/v1" \
        in result.text
    assert "api_key is os.environ/ANTHROPIC_API_KEY in the config, the chains say " \
           "os.environ/OPENAI_API_KEY" in result.text
    assert "duplicate key 'num_retries'" in result.text
    assert "num_retries is 3" in result.text


def test_export_check_names_a_literal_credential_without_printing_it(cli, tmp_path):
    out = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--format", "litellm").out
    config = tmp_path / "config.yaml"
    config.write_text(out.replace("api_key: os.environ/OPENAI_API_KEY", "api_key: sk-live-literal-00112233445566", 1))
    result = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config)
    assert result.code == 1
    assert "a literal value (a credential written into the config)" in result.text
    assert "00112233445566" not in result.text


# --------------------------------------------------------------- 5. one redaction point

def test_a_credential_echoed_in_request_id_or_error_code_never_reaches_json(cli, tmp_path, creds):
    echoed = {"x-request-id": f"req-{SECRET}", "content-type": "application/json"}
    body = json.dumps({"error": {"code": f"bad key {SECRET}", "message": f"key {SECRET[:-4]} invalid",
                                 "type": "invalid_request_error"}}).encode()
    with http_server(lambda req: Response(401, body, echoed)) as url:
        chains = chains_pointing(tmp_path / "chains", {"openai-api": url})
        for fmt in ("json", "table", "nagios", "prometheus"):
            result = _probe_cli(cli, chains, "gpt-5.5", "-o", fmt)
            assert SECRET not in result.text, fmt
            assert SECRET[:-4] not in result.text, fmt
    from aspirectl.state import state_file

    state = state_file(chains).read_text()
    assert SECRET[:-4] not in state


# ------------------------------------------------------------------ 6. and 7. compression

def _gzip_json(document) -> bytes:
    return gzip.compress(json.dumps(document).encode())


def test_a_gzip_answer_is_decoded_and_classified(cli, tmp_path, creds):
    quota = _gzip_json({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                  "code": "insufficient_quota"}})
    ok = _gzip_json({"id": "gpt-5.5", "object": "model"})
    answers = {"ok": (200, ok), "quota": (429, quota)}
    for expected, (status, body) in answers.items():
        with http_server(lambda req, s=status, b=body: Response(s, b, {"content-encoding": "gzip"})) as url:
            chains = chains_pointing(tmp_path / "chains", {"openai-api": url, "codex-shim": url})
            doc = json.loads(_probe_cli(cli, chains, "gpt-5.5", "-o", "json").out)
        hop = next(h for h in doc["hops"] if h["upstream"] == "openai-api")
        assert hop["outcome"] == ("ok" if expected == "ok" else "billing"), hop


def test_a_gzip_bomb_from_an_upstream_is_bounded(tmp_path, creds):
    bomb = gzip.compress(b"0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MiB -> ~200 KiB
    started = time.monotonic()
    with http_server(lambda req: Response(200, bomb, {"content-encoding": "gzip"})) as url:
        chains = chains_pointing(tmp_path / "chains", {"openai-api": url})
        result, rss_mib = measured("--chains", chains, "probe", "--timeout", "2", "--deadline", "4", "gpt-5.5",
                                   "-o", "json")
    hop = next(h for h in json.loads(result.out)["hops"] if h["upstream"] == "openai-api")
    assert hop["outcome"] == "upstream_error" and "larger than" in hop["detail"]
    assert time.monotonic() - started < 10
    assert rss_mib < 150, f"{rss_mib} MiB: the 200 MiB bomb was inflated"


def _gateway(answer_for):
    return http_server(answer_for)


@pytest.mark.parametrize("attack", ["gzip bomb", "endless body", "deep JSON", "escape codes"])
def test_a_hostile_gateway_is_bounded(cli, tmp_path, creds, monkeypatch, attack):
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", "sk-gateway-key-for-tests-0001")
    bomb = gzip.compress(b"{" * (300 * 1024 * 1024), compresslevel=9)

    def answer(req):
        if req.path == "/health/liveliness":
            return Response(200, b'"I\'m alive!"')
        if attack == "gzip bomb":
            return Response(200, bomb, {"content-encoding": "gzip"})
        if attack == "endless body":
            return Response(200, b"", huge_bytes=64 * 1024 * 1024)
        if attack == "deep JSON":
            return Response(200, b"[" * 200_000 + b"]" * 200_000)
        return Response(500, json.dumps({"error": {"type": "x\x1b]8;;http://evil\x07", "message":
                                                   "boom\nASPIRECTL OK - forged | perf=1\x1b[2J"}}))

    started = time.monotonic()
    with _gateway(answer) as url:
        result, rss_mib = measured("--gateway-url", url, "--chains", SHIPPED_CHAINS, "probe", "--gateway",
                                   "claude-haiku-4-5", "--timeout", "3", "--deadline", "6", "-o", "nagios",
                                   env={"ASPIRECTL_SECRET_GATEWAY_KEY": "sk-gateway-key-for-tests-0001"})
    assert time.monotonic() - started < 15
    assert rss_mib < 150, f"{attack}: {rss_mib} MiB"
    assert "internal error" not in result.err, result.err
    # Upstreams unreachable from here (no credential, no DNS): UNKNOWN, unless the gateway's own
    # answer says it is down (a 500 to every request: CRITICAL). Never an internal error.
    assert result.code == {"escape codes": 2}.get(attack, 3), (attack, result.code)
    lines = result.out.splitlines()
    assert lines[0].startswith("ASPIRECTL ") and lines[0].count("|") == 1
    assert not any(line.startswith("ASPIRECTL OK") for line in lines[1:])
    assert "\x1b" not in result.out


# ------------------------------------------------------------ 8. terminal and line injection

HOSTILE_TEXT = ("[link=http://evil.example]click[/link] [/bogus] \x1b]8;;http://evil\x07osc\x1b]8;;\x07 "
                "\x1b[2J\x1b[31mred\x07 bell\nASPIRECTL OK - 0 aliases | forged=1")


def _hostile_error(req):
    body = {"error": {"message": HOSTILE_TEXT, "type": "server_error",
                      "code": "x\nASPIRECTL OK - forged"}}
    return Response(500, json.dumps(body), {"x-request-id": "id\x1b[2J"})


@pytest.mark.parametrize("fmt", ["table", "nagios", "json", "prometheus"])
def test_upstream_text_never_reaches_the_terminal_as_markup_or_control(run_process, tmp_path, fmt):
    with http_server(_hostile_error) as url:
        chains = chains_pointing(tmp_path / "chains", {"openai-api": url, "codex-shim": url})
        env = {**credential_env(SECRET), "ASPIRECTL_FORCE_TTY": "1", "NO_COLOR": "1",
               "XDG_STATE_HOME": str(tmp_path / "state")}
        result = run_process("--chains", chains, "probe", "gpt", "-o", fmt, "--timeout", "2",
                             env=env)
    assert result.code in (1, 2), result.text
    assert "internal error" not in result.err
    assert "\x1b" not in result.out and "\x07" not in result.out
    if fmt == "table":
        assert "[/bogus]" in result.out  # shown as text, not taken as markup
    if fmt == "nagios":
        lines = result.out.splitlines()
        assert lines[0].count("|") == 1
        assert not any(line.startswith("ASPIRECTL") for line in lines[1:])


def test_a_newline_in_an_error_code_cannot_forge_a_changes_line(run_process, tmp_path):
    env = {**credential_env(SECRET), "XDG_STATE_HOME": str(tmp_path / "state")}
    hostile = {"on": False}

    def answer(req):
        return _hostile_error(req) if hostile["on"] else Response(200, {"id": "gpt-5.5"})

    with http_server(answer) as url:
        chains = chains_pointing(tmp_path / "chains", {"openai-api": url, "codex-shim": url})
        run_process("--chains", chains, "probe", "gpt", "--timeout", "2", env=env)
        hostile["on"] = True
        result = run_process("--chains", chains, "probe", "gpt", "--changes", "--timeout", "2", env=env)
    lines = result.out.splitlines()
    assert lines and lines[-1].startswith("ASPIRECTL CRITICAL")
    assert not any(line.startswith("ASPIRECTL OK") for line in lines)
    assert "\x1b" not in result.out


# ----------------------------------------------------------------- 9. special files

def test_keys_scan_skips_fifos_devices_and_links_to_them(cli, tmp_path):
    folder = tmp_path / "scan"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "zero").symlink_to("/dev/zero")
    (folder / "ok.env").write_text("KEY=sk-aaaaaaaaaaaaaaaaaaaaaa\n")
    weird = folder / "bad\nname\x1b[2J.txt"
    weird.write_text("nothing\n")
    started = time.monotonic()
    from aspirectl.keys.db import open_database

    open_database(f"sqlite:///{tmp_path}/k.db", create=True).close()
    result = cli("--db", f"sqlite:///{tmp_path}/k.db", "keys", "scan", folder, folder / "zero")
    assert time.monotonic() - started < 5
    assert result.code in (0, 1), result.text
    assert "not a regular file" in result.text or "symbolic link" in result.text
    assert "\x1b" not in result.text


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "link"])
def test_save_never_writes_to_a_special_file(cli, tmp_path, target):
    if target == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    elif target == "link":
        victim = tmp_path / "victim.env"
        victim.write_text("OTHER=1\n")
        path = tmp_path / "key.env"
        path.symlink_to(victim)
    else:
        path = Path(target)
    from aspirectl.keys.db import open_database

    open_database(f"sqlite:///{tmp_path}/k.db", create=True).close()
    started = time.monotonic()
    result = cli("--db", f"sqlite:///{tmp_path}/k.db", "keys", "create", "svc-a", "--save", path)
    assert time.monotonic() - started < 5
    assert result.code == 2, result.text  # --save names something no key is written through: usage
    lines = [ln for ln in result.err.splitlines() if not ln.startswith("database: ")]
    assert len(lines) == 1 and lines[0].startswith("aspirectl: error:"), result.err
    listed = cli("--db", f"sqlite:///{tmp_path}/k.db", "keys", "list", "-o", "json")
    assert json.loads(listed.out)["keys"] == []
    if target == "link":
        assert (tmp_path / "victim.env").read_text() == "OTHER=1\n"


# -------------------------------------------------------------------- 10. YAML bombs

LAUGHS = ("family: gpt\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
          + "".join(f"x{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
                    f"*a{i-1}]\n" for i in range(1, 10))
          + "aliases: [gpt-5.5]\nhops: [openai-api]\n")


@pytest.mark.parametrize("case", ["billion laughs", "recursive alias", "50 MB file", "symlink loop",
                                  "fifo"])
def test_chain_file_bombs_are_refused_fast_with_file_and_line(cli, tmp_path, case):
    chains = chains_pointing(tmp_path / "chains", {})
    expected = {"billion laughs": "gpt.yaml:", "recursive alias": "gpt.yaml:",
                "50 MB file": "gpt.yaml:1: file larger than", "symlink loop": "loop.yaml:1: cannot read",
                "fifo": "pipe.yaml:1: cannot read file: not a regular file"}[case]
    if case == "billion laughs":
        (chains / "gpt.yaml").write_text(LAUGHS)
    elif case == "recursive alias":
        (chains / "gpt.yaml").write_text("family: gpt\nx: &a [*a]\naliases: [gpt-5.5]\nhops: [openai-api]\n")
    elif case == "50 MB file":
        (chains / "gpt.yaml").write_text("family: gpt\n" + "#" * (50 * 1024 * 1024) + "\n")
    elif case == "symlink loop":
        (chains / "loop.yaml").symlink_to(chains / "loop.yaml")
    else:
        os.mkfifo(chains / "pipe.yaml")
    started = time.monotonic()
    for command in (("chains", "validate"), ("chains", "list"), ("route", "gpt-5.5", "--offline")):
        result, rss_mib = measured("--chains", chains, *command)
        assert result.code == 3, (command, result.text)  # a config error, for every family
        assert "internal error" not in result.text and "Traceback" not in result.text
        assert expected in result.text, (command, result.text)
        assert rss_mib < 150, f"{case} {command}: {rss_mib} MiB"
    assert time.monotonic() - started < 20


def test_a_fleet_file_bomb_is_refused_fast(cli, tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("fleet: f\n" + LAUGHS.split("\n", 1)[1].replace("aliases: [gpt-5.5]\nhops: [openai-api]\n", "")
                     + "consumers: [a-b]\n")
    started = time.monotonic()
    result = cli("--db", f"sqlite:///{tmp_path}/k.db", "keys", "provision", fleet, "--create")
    assert time.monotonic() - started < 5
    assert result.code == 3 and "expanded" in result.text and "Traceback" not in result.text


# ------------------------------------------------------------------------------ 11. low

@pytest.mark.parametrize("url", ["POSTGRESQL://bob:hunter2xyz@127.0.0.1:1/x",
                                 "postgresql://bob:hun@ter2xyz@127.0.0.1:1/x",
                                 "bob:hunter2xyz@127.0.0.1:1/x",
                                 "postgresql://bob:hunter2xyz@127.0.0.1:99999/x",
                                 "sqlite://bob:hunter2xyz@x"])
def test_a_database_password_never_appears_in_an_error(cli, url):
    result = cli("--db", url, "keys", "list")
    # a URL that cannot be a database is a config error (3); one that is, but does not answer,
    # an operation that failed (1)
    assert result.code == (1 if url.lower().startswith("postgresql://bob:hunter2xyz@127.0.0.1:1/") else 3), \
        (url, result.code, result.err)
    assert "hunter2xyz" not in result.text and "ter2xyz" not in result.text, result.text
    assert "Traceback" not in result.text


def test_an_opaque_credential_echoed_without_its_last_four_characters_is_masked():
    from aspirectl.secrets.redact import redact, register

    token = "opaque0token0value0abcdefgh"
    register(token)
    assert token[:-4] not in redact(f"invalid token {token[:-4]}...")


def test_probes_honour_the_proxy_variables_with_a_real_forward_proxy(tmp_path, monkeypatch):
    """On a proxy-only host nothing resolves but the proxy: every probe must go through it
    (HTTP_PROXY), except for NO_PROXY hosts."""
    import asyncio
    import threading

    seen: list[str] = []

    async def proxy_handler(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        first = head.split(b"\r\n", 1)[0].decode()
        seen.append(first)
        method, target, _ = first.split(" ")
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        upstream_port = int(parts.netloc.rsplit(":", 1)[1])
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        rest = head.split(b"\r\n", 1)[1]
        length = 0
        for line in rest.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        body = await reader.readexactly(length) if length else b""
        up_writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + rest.replace(b"keep-alive", b"close")
                        + body)
        await up_writer.drain()
        data = await up_reader.read()
        writer.write(data)
        await writer.drain()
        writer.close()
        up_writer.close()

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder = {}

    def serve():
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(proxy_handler, "127.0.0.1", 0))
        holder["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait(5)
    from aspirectl.checks import ProbeRequest, probe_aliases
    from aspirectl.probe.options import RunOptions
    from aspirectl.secrets.store import MappingSource, Resolver
    from tests.sandboxing import running

    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{holder['port']}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with running("all-up") as box:
        catalog = box.sandbox_catalog()
        # A name only the proxy can resolve (here: the proxy ignores the name, uses the port).
        original = catalog.upstreams["openai-api"]
        upstream = original._replace(base_url=original.base_url.replace("127.0.0.1", "upstream.invalid"))
        catalog = catalog._replace(upstreams={**catalog.upstreams, "openai-api": upstream})
        request = ProbeRequest(["gpt-5.5"], RunOptions(timeout=3, deadline=6, trust_env=True))
        assessment = probe_aliases(catalog, request, Resolver([MappingSource(box.credentials)]))
        result = assessment.report.result("gpt-5.5", "openai-api")
        assert result.outcome.value == "ok", result.detail
        assert any("upstream.invalid" in line for line in seen)
        # NO_PROXY: the host goes direct, and without the proxy the name does not resolve.
        seen.clear()
        monkeypatch.setenv("NO_PROXY", "upstream.invalid,localhost")
        assessment = probe_aliases(catalog, request, Resolver([MappingSource(box.credentials)]))
        result = assessment.report.result("gpt-5.5", "openai-api")
        assert result.outcome.value == "unreachable" and "DNS" in result.detail, result.detail
        assert not any("upstream.invalid" in line for line in seen)
    loop.call_soon_threadsafe(loop.stop)


@pytest.mark.parametrize("text", [
    "litellm.RateLimitError: AnthropicException - {",  # cut
    "litellm.RateLimitError: geminiException - [1,2]",  # not an envelope
    'litellm.RateLimitError: CodeAssistException - {"error": "x"}',  # error is no object
    "litellm.APIError: OpenAIException - " + "[" * 100_000,  # nesting past any recursion limit
    "litellm.RateLimitError: AnthropicException - " + '{"error": ' * 5_000,
    "litellm.BadRequestError: geminiException - null",
    "OpenAIException - ",
], ids=["cut", "list", "error-string", "deep-list", "deep-object", "null", "empty"])
def test_a_hostile_provider_error_inside_a_litellm_message_is_read_without_crashing(text):
    """The wrapped provider body is parsed and read with that provider's rules: a hostile one
    (cut, nested past the recursion limit, of the wrong shape) falls back to LiteLLM's class."""
    from aspirectl.litellm.errors import CLASS_STATUS
    from aspirectl.probe.protocols.litellm import embedded_cause

    cause = embedded_cause(text)
    cls = text.split(":", 1)[0].removeprefix("litellm.") if text.startswith("litellm.") else None
    if cls is None:
        assert cause is None
    else:
        assert cause is not None and cause[2] == cls and cls in CLASS_STATUS
