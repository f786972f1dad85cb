"""aspirectl chains list|show|graph and the seed facts they must show."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml

from aspirectl.graph import node_id
from tests.conftest import SHIPPED_CHAINS, assert_one_line_error

BOX = set("─│┃━┏┓┗┛╭╮╰╯┌┐└┘├┤┬┴┼")


def test_shipped_catalog_is_valid(cli):
    result = cli("--chains", SHIPPED_CHAINS, "chains", "validate")
    assert result.code == 0, result.text
    assert "4 families, 9 aliases, 7 upstreams" in result.out


def test_list_shows_every_alias_with_its_hops_in_order(cli):
    result = cli("--chains", SHIPPED_CHAINS, "chains", "list")
    assert result.code == 0
    lines = {ln.split()[0]: ln for ln in result.out.splitlines()[1:]}
    assert set(lines) == {"claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7", "gpt-4.1",
                          "gpt-5.2", "gpt-5.5", "qwen-3.6", "qwen-3.6-omni", "gemini-2.5-pro"}
    assert ("anthropic-oauth [subscription] -> anthropic-api [paid] -> fail loudly"
            in lines["claude-opus-4-7"])
    assert ("codex-shim [subscription, deferred] -> openai-api [paid] -> fail loudly"
            in lines["gpt-5.5"])
    assert ("cloud-first-litellm [owned, broken] -> cross-family fallback: claude-haiku-4-5"
            in lines["qwen-3.6-omni"])
    assert "cloud-first-litellm [owned] -> fail loudly" in lines["qwen-3.6"]
    assert "google-code-assist [free-tier] -> google-ai-studio [paid]" in lines["gemini-2.5-pro"]


def test_list_json_is_stable_and_complete(cli):
    result = cli("--chains", SHIPPED_CHAINS, "chains", "list", "-o", "json")
    doc = json.loads(result.out)
    assert doc["schema"] == "aspirectl.chains/v1"
    by_alias = {a["alias"]: a for a in doc["aliases"]}
    gpt = by_alias["gpt-5.5"]
    assert [h["upstream"] for h in gpt["hops"]] == ["codex-shim", "openai-api"]
    shim = gpt["hops"][0]
    assert shim["declared_state"] == {"status": "deferred", "since": "2026-05-14",
                                      "note": "Phase 1b deferred; gpt-* return Connection error or 502."}
    assert shim["billing"] == "subscription" and shim["cost"] == "$0 marginal — subscription"
    assert gpt["end"] == "fail-loudly" and gpt["fallback"] is None
    omni = by_alias["qwen-3.6-omni"]
    assert omni["fallback"]["alias"] == "claude-haiku-4-5"
    assert omni["fallback"]["cross_family"] is True
    assert "LLM_VISION_MODEL=claude-haiku-4-5" in omni["fallback"]["advice"]
    assert omni["hops"][0]["declared_state"]["status"] == "broken"
    assert by_alias["qwen-3.6"]["hops"][0]["declared_state"] is None
    cf = omni["hops"][0]
    assert cf["data"]["retention"] == "none"
    assert cf["data"]["cleared_for"] == ["public", "internal", "pii", "financial", "legal"]
    assert "no-retention policy covers Aspire's use cases" in cf["data"]["note"]
    # same document in YAML
    as_yaml = yaml.safe_load(cli("--chains", SHIPPED_CHAINS, "chains", "list", "-o", "yaml").out)
    assert as_yaml == doc


def test_show_family_tree_carries_the_seed_facts(cli):
    out = cli("--chains", SHIPPED_CHAINS, "chains", "show", "gpt").out
    assert "1. codex-shim — codex-shim sidecar (ChatGPT Pro OAuth, OpenAI-compatible)" in out
    assert "declared deferred since 2026-05-14: Phase 1b deferred; gpt-* return Connection error or 502." in out
    assert "credential: codex-shim-token" in out and "credential: openai-api-key" in out
    assert "Paid, last resort." in out
    assert "then no further fallback — fail loudly" in out
    claude = cli("--chains", SHIPPED_CHAINS, "chains", "show", "claude").out
    assert "$0 marginal" in claude and "~$486-638 AUD/mo" in claude
    assert "only used when the OAuth quota is exhausted (rare)" in claude
    gemini = cli("--chains", SHIPPED_CHAINS, "chains", "show", "gemini-2.5-pro").out
    assert "Capacity unpredictable (agent-praew issues 2026-05-13/14)" in gemini
    assert "$0 free tier still works" in gemini
    qwen = cli("--chains", SHIPPED_CHAINS, "chains", "show", "qwen").out
    assert "declared broken: Vision path down on cloud-first.ai" in qwen
    assert "CROSS-FAMILY fallback -> claude-haiku-4-5" in qwen
    assert "no-retention" in qwen and "retention none" in qwen
    assert "Aspire-owned upstream" in qwen


def test_show_json_for_family_includes_upstream_details(cli):
    doc = json.loads(cli("--chains", SHIPPED_CHAINS, "chains", "show", "qwen", "-o", "json").out)
    assert doc["family"] == "qwen"
    up = doc["upstreams"]["cloud-first-litellm"]
    assert up["auth"] == {"scheme": "bearer", "credential": "cloud-first-litellm-key"}
    assert up["protocol"] == "litellm" and up["billing"] == "owned"


def test_unknown_name_exits_2_with_suggestions(cli):
    result = cli("--chains", SHIPPED_CHAINS, "chains", "show", "gpt-5")
    assert result.code == 2
    assert_one_line_error(result)
    assert "unknown alias or family 'gpt-5' (did you mean gpt-5.5 or gpt-5.2" in result.err


def test_bad_output_format_is_a_usage_error(cli):
    result = cli("--chains", SHIPPED_CHAINS, "chains", "list", "-o", "xml")
    assert result.code == 2
    assert_one_line_error(result)
    assert "output format 'xml' is not available here (use one of: table, json, yaml)" in result.err


def test_unknown_option_is_one_line(cli):
    result = cli("chains", "list", "--frobnicate")
    assert result.code == 2
    assert_one_line_error(result)
    assert "No such option" in result.err and "--frobnicate" in result.err  # wording varies by click


def test_graph_is_mermaid(cli):
    out = cli("--chains", SHIPPED_CHAINS, "chains", "graph").out
    assert out.startswith("graph LR\n")
    assert f"-.->|cross-family fallback| {node_id('alias', 'claude-haiku-4-5')}" in out
    assert '["1. codex-shim sidecar (ChatGPT Pro OAuth, OpenAI-compatible)<br/>subscription<br/>deferred"]' in out
    assert out.count("|no further fallback|") == 4


def test_non_tty_output_has_no_box_drawing(run_process):
    result = run_process("--chains", SHIPPED_CHAINS, "chains", "list")
    assert result.code == 0
    assert not BOX.intersection(result.out)
    assert "\x1b[" not in result.out


def test_tty_output_uses_a_table_and_no_color_is_honoured(run_process):
    forced = {"ASPIRECTL_FORCE_TTY": "1", "COLUMNS": "200"}
    coloured = run_process("--chains", SHIPPED_CHAINS, "chains", "show", "gpt",
                           env={**forced, "CLICOLOR_FORCE": "1"})
    assert "\x1b[" in coloured.out
    table = run_process("--chains", SHIPPED_CHAINS, "chains", "list", env=forced)
    assert BOX.intersection(table.out)
    plain = run_process("--chains", SHIPPED_CHAINS, "chains", "show", "gpt",
                        env={**forced, "CLICOLOR_FORCE": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.out
    flag = run_process("--no-color", "--chains", SHIPPED_CHAINS, "chains", "show", "gpt",
                       env={**forced, "CLICOLOR_FORCE": "1"})
    assert "\x1b[" not in flag.out


def test_chains_dir_from_env_xdg_and_never_the_working_directory(run_process, chains_copy, tmp_path,
                                                                  monkeypatch):
    """The catalog decides where credentials go: ./chains is used only when named."""
    monkeypatch.delenv("ASPIRECTL_CHAINS")
    (chains_copy / "gpt.yaml").write_text("family: gpt\naliases: [gpt-9]\nhops: [openai-api]\n")
    from_env = run_process("chains", "list", env={"ASPIRECTL_CHAINS": str(chains_copy)},
                           cwd=tmp_path.parent)
    assert "gpt-9" in from_env.out
    # A chains/ folder in the working directory is not taken implicitly ...
    from_cwd = run_process("chains", "list", cwd=tmp_path)
    assert from_cwd.code == 0 and "gpt-5.5" in from_cwd.out and "gpt-9" not in from_cwd.out
    # ... only when named.
    named = run_process("--chains", "chains", "chains", "list", cwd=tmp_path)
    assert "gpt-9" in named.out
    # The operator's own catalog under $XDG_CONFIG_HOME wins over the installed copy.
    own = Path(os.environ["XDG_CONFIG_HOME"]) / "aspirectl" / "chains"
    shutil.copytree(chains_copy, own)
    from_xdg = run_process("chains", "list", cwd=tmp_path)
    assert "gpt-9" in from_xdg.out


def test_a_command_that_sends_credentials_names_its_catalog(run_process, chains_copy, tmp_path,
                                                           monkeypatch):
    """-v (or a terminal): which catalog decides where credentials go, and a warning for a
    credential that would cross a network in plain http (codex-shim's sidecar URL)."""
    monkeypatch.delenv("ASPIRECTL_CHAINS")
    result = run_process("-v", "--chains", "chains", "route", "gpt-5.5", "--timeout", "0.5",
                         "--deadline", "1", cwd=tmp_path, env={"ASPIRECTL_SECRET_CODEX_SHIM_TOKEN": "t" * 20})
    assert f"catalog: {chains_copy} (--chains)" in result.err, result.err
    assert ("warning: codex-shim's credential 'codex-shim-token' goes over plain http to codex-shim"
            in result.err)
    quiet = run_process("--chains", "chains", "route", "gpt-5.5", "--offline", cwd=tmp_path)
    assert "catalog:" not in quiet.err


def test_help_imports_neither_httpx_nor_keyring(run_process):
    import subprocess
    import sys

    code = ("import sys\nfrom aspirectl.cli.main import run\n"
            "rc = run(['--help'])\n"
            "heavy = sorted(m for m in ('httpx', 'keyring', 'psycopg', 'yaml', 'rich.table', 'rich.console')"
            " if m in sys.modules)\n"
            "print('HEAVY', heavy)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:]


def test_version(cli):
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("aspirectl ")


def test_every_help_lists_its_own_formats_and_examples_that_exist(cli):
    """-o's help is the command's row of cli/formats.py; each example of cli/examples.py names
    a command that exists and only options that command (or the root) has."""
    import shlex

    from aspirectl.cli.examples import EXAMPLES
    from aspirectl.cli.formats import FORMATS

    root = cli("--help").out
    for path, formats in FORMATS.items():
        helped = cli(*path.split(), "--help")
        assert helped.code == 0, path
        flat = " ".join(helped.out.split())
        assert f"Output format: {', '.join(formats)} (default {formats[0]})." in flat, (path, flat)
    for path, examples in EXAMPLES.items():
        helped = cli(*path.split(), "--help").out
        assert "Examples:" in helped, path
        for example in examples:
            words = shlex.split(example.split("  #")[0].split("|")[-1])  # the aspirectl part of a pipe
            assert words[0] == "aspirectl"
            options = [w.split("=")[0] for w in words if w.startswith("-")]
            for option in options:
                assert option in helped or option in root, (path, example, option)


def test_the_readme_lists_each_commands_formats_as_declared():
    from aspirectl.cli.formats import FORMATS
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- formats: aspirectl/cli/formats.py -->\n", 1)[1].split("<!-- /formats -->", 1)[0]
    rows = {line.split("|")[1].strip().strip("`"): [f.strip().strip("`") for f in line.split("|")[2].split(",")]
            for line in block.splitlines()[2:] if line.startswith("|")}
    assert rows == {cmd: list(formats) for cmd, formats in FORMATS.items()}


def test_every_command_has_examples_in_its_help():
    import click
    import typer.main

    from aspirectl.cli.app import build_app
    from aspirectl.cli.examples import EXAMPLES

    root = typer.main.get_command(build_app())
    leaves = []

    def walk(command, path):
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                walk(command.get_command(click.Context(command), name), f"{path} {name}".strip())
        else:
            leaves.append(path)

    walk(root, "")
    assert len(leaves) > 20 and [p for p in leaves if p not in EXAMPLES] == []
