"""Malformed chain files: every problem reported as exact file:line, exit 3, no traceback."""

from __future__ import annotations

import textwrap

import pytest

MINI_UPSTREAMS = """\
upstreams:
  a-up:
    protocol: anthropic
    base_url: https://api.anthropic.com
    auth: {scheme: api-key, credential: a-key}
    billing: paid
"""

# name -> (files to write or replace in ./chains, expected "file:line: text" fragment)
CASES: dict[str, tuple[dict[str, str], str]] = {
    "unreadable yaml": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1\nhops: []\n"},
                        "chains/gpt.yaml:3: unreadable YAML"),
    "bad indentation": ({"gpt.yaml": "family: gpt\n  aliases: x\n"},
                        "chains/gpt.yaml:2: unreadable YAML"),
    "unknown upstream": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops:\n"
                          "  - upstream: openai-apii\n"},
                         "chains/gpt.yaml:4: unknown upstream 'openai-apii' in the chain of 'gpt' "
                         "(did you mean openai-api?)"),
    "alias in two families": ({"zz-extra.yaml": "family: extra\naliases: [gpt-5.5]\nhops: [openai-api]\n"},
                              "chains/zz-extra.yaml:2: alias 'gpt-5.5' defined twice (first in family 'gpt'"),
    "alias twice in a family": ({"gpt.yaml": "family: gpt\naliases:\n  - gpt-4.1\n  - gpt-4.1\n"
                                 "hops: [openai-api]\n"},
                                "chains/gpt.yaml:4: alias 'gpt-4.1' defined twice"),
    "duplicate yaml key": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops: [openai-api]\n"
                            "hops: [codex-shim]\n"},
                           "chains/gpt.yaml:4: duplicate key 'hops' (first at line 3)"),
    "undeclared cross-family": ({"qwen.yaml": "family: qwen\naliases: [qwen-3.6, qwen-3.6-omni]\n"
                                 "hops: [cloud-first-litellm]\nfallbacks:\n"
                                 "  qwen-3.6-omni: {alias: claude-haiku-4-5}\n"},
                                "chains/qwen.yaml:5: fallback 'qwen-3.6-omni' -> 'claude-haiku-4-5' "
                                "crosses into family 'claude' without 'cross_family: true'"),
    "cross-family without reason": ({"qwen.yaml": "family: qwen\naliases: [qwen-3.6-omni]\n"
                                     "hops: [cloud-first-litellm]\nfallbacks:\n"
                                     "  qwen-3.6-omni: {alias: claude-haiku-4-5, cross_family: true}\n"},
                                    "chains/qwen.yaml:5: cross-family fallback 'qwen-3.6-omni' -> "
                                    "'claude-haiku-4-5' has no reason"),
    "cross_family on same family": ({"qwen.yaml": "family: qwen\naliases: [qwen-3.6, qwen-3.6-omni]\n"
                                     "hops: [cloud-first-litellm]\nfallbacks:\n  qwen-3.6-omni:\n"
                                     "    alias: qwen-3.6\n    cross_family: true\n    reason: r\n"},
                                    "chains/qwen.yaml:7: fallback 'qwen-3.6-omni' -> 'qwen-3.6' is "
                                    "marked cross_family but stays in the same family"),
    "fallback cycle": ({"qwen.yaml": "family: qwen\naliases: [qwen-3.6, qwen-3.6-omni]\n"
                        "hops: [cloud-first-litellm]\nfallbacks:\n"
                        "  qwen-3.6: {alias: qwen-3.6-omni}\n  qwen-3.6-omni: {alias: qwen-3.6}\n"},
                       "chains/qwen.yaml:5: fallback cycle: qwen-3.6 -> qwen-3.6-omni -> qwen-3.6"),
    "fallback to unknown alias": ({"qwen.yaml": "family: qwen\naliases: [qwen-3.6]\n"
                                   "hops: [cloud-first-litellm]\nfallbacks:\n"
                                   "  qwen-3.6: {alias: claude-haiku-45}\n"},
                                  "chains/qwen.yaml:5: fallback of 'qwen-3.6' names unknown alias "
                                  "'claude-haiku-45' (did you mean claude-haiku-4-5"),
    "fallback from foreign alias": ({"qwen.yaml": "family: qwen\naliases: [qwen-3.6]\n"
                                     "hops: [cloud-first-litellm]\nfallbacks:\n"
                                     "  gpt-5.5: {alias: qwen-3.6}\n"},
                                    "chains/qwen.yaml:5: fallback for 'gpt-5.5', which is not an "
                                    "alias of 'qwen'"),
    "unknown protocol": ({"upstreams.yaml": MINI_UPSTREAMS.replace("anthropic\n", "antropic\n", 1)},
                         "chains/upstreams.yaml:3: unknown protocol 'antropic' (did you mean anthropic?)"),
    "unknown billing": ({"upstreams.yaml": MINI_UPSTREAMS.replace("billing: paid", "billing: payg")},
                        "chains/upstreams.yaml:6: unknown billing class 'payg'"),
    "bad url": ({"upstreams.yaml": MINI_UPSTREAMS.replace("https://api.anthropic.com", "ftp//x")},
                "chains/upstreams.yaml:4: bad URL 'ftp//x' in upstream 'a-up'"),
    "secret in url": ({"upstreams.yaml": MINI_UPSTREAMS.replace(
        "https://api.anthropic.com", "https://g.example/v1beta?key=abc")},
        "chains/upstreams.yaml:4: URL 'https://g.example/v1beta?...' in upstream 'a-up' carries a query"),
    "password in url": ({"upstreams.yaml": MINI_UPSTREAMS.replace(
        "https://api.anthropic.com", "https://bob:hunter2secret@g.example/v1")},
        "chains/upstreams.yaml:4: URL 'https://bob:[redacted]@g.example/v1' in upstream 'a-up' carries "
        "credentials"),
    "bad port": ({"upstreams.yaml": MINI_UPSTREAMS.replace("https://api.anthropic.com",
                                                           "http://h:99999")},
                 "chains/upstreams.yaml:4: bad port in URL"),
    "empty chain": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops: []\n"},
                    "chains/gpt.yaml:3: family 'gpt' has an empty chain"),
    "no aliases": ({"gpt.yaml": "family: gpt\naliases: []\nhops: [openai-api]\n"},
                   "chains/gpt.yaml:2: family 'gpt' has no aliases"),
    "typo key in upstream": ({"upstreams.yaml": MINI_UPSTREAMS.replace("billing:", "biling:")},
                             "chains/upstreams.yaml:6: unknown key 'biling' in upstream 'a-up' "
                             "(did you mean billing?)"),
    "typo key in family": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops: [openai-api]\n"
                            "fallback: {}\n"},
                           "chains/gpt.yaml:4: unknown key 'fallback' in family file "
                           "(did you mean fallbacks?)"),
    "wrong type": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops: openai-api\n"},
                   "chains/gpt.yaml:3: 'hops' in family file must be a list, got str"),
    "missing required key": ({"upstreams.yaml": MINI_UPSTREAMS.replace(
        "    protocol: anthropic\n", "")}, "chains/upstreams.yaml:3: upstream 'a-up' is missing 'protocol'"),
    "missing credential": ({"upstreams.yaml": MINI_UPSTREAMS.replace(
        "{scheme: api-key, credential: a-key}", "{scheme: api-key}")},
        "chains/upstreams.yaml:5: upstream 'a-up' has no credential name"),
    "bad credential name": ({"upstreams.yaml": MINI_UPSTREAMS.replace(
        "credential: a-key", "credential: Bad_Name")}, "chains/upstreams.yaml:5: bad credential name"),
    "unknown auth scheme": ({"upstreams.yaml": MINI_UPSTREAMS.replace("scheme: api-key",
                                                                     "scheme: apikey")},
                            "chains/upstreams.yaml:5: unknown auth scheme 'apikey' (did you mean api-key?)"),
    "bad state status": ({"upstreams.yaml": MINI_UPSTREAMS + "    state: {status: defered}\n"},
                         "chains/upstreams.yaml:7: unknown state status 'defered' (did you mean deferred"),
    "bad since date": ({"upstreams.yaml": MINI_UPSTREAMS + "    state:\n      status: broken\n"
                        "      since: 2026-13-45\n"},
                       "chains/upstreams.yaml:9: bad date '2026-13-45'"),
    "upstream defined twice": ({"more-upstreams.yaml": "upstreams:\n  openai-api:\n"
                                "    protocol: openai\n    base_url: https://x.example\n"
                                "    auth: {scheme: bearer, credential: k}\n    billing: paid\n"},
                               "chains/upstreams.yaml:"),
    "family defined twice": ({"gpt2.yaml": "family: gpt\naliases: [gpt-9]\nhops: [openai-api]\n"},
                             "chains/gpt2.yaml:1: family 'gpt' defined twice (first at chains/gpt.yaml:1)"),
    "state for unknown alias": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops:\n"
                                 "  - upstream: openai-api\n    state:\n"
                                 "      gpt-4.2: {status: broken}\n"},
                                "chains/gpt.yaml:6: state for 'gpt-4.2', which is not an alias of 'gpt' "
                                "(did you mean gpt-4.1?)"),
    "model override for unknown alias": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops:\n"
                                          "  - upstream: openai-api\n    models: {gpt-41: x}\n"},
                                         "chains/gpt.yaml:5: model override for 'gpt-41'"),
    "upstream twice in chain": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops:\n"
                                 "  - openai-api\n  - openai-api\n"},
                                "chains/gpt.yaml:5: upstream 'openai-api' appears twice in the chain"),
    "unknown chain end": ({"gpt.yaml": "family: gpt\naliases: [gpt-4.1]\nhops: [openai-api]\n"
                           "end: claude-haiku-4-5\n"},
                          "chains/gpt.yaml:4: unknown chain end 'claude-haiku-4-5'"),
    "not a chain file": ({"notes.yaml": "hello: world\n"},
                         "chains/notes.yaml:1: not a chain file"),
    "top level is a list": ({"gpt.yaml": "- family: gpt\n"},
                            "chains/gpt.yaml:1: a chain file must be a mapping"),
    "empty file": ({"gpt.yaml": ""}, "chains/gpt.yaml:1: file is empty"),
    "paid upstream with canary": ({"upstreams.yaml": MINI_UPSTREAMS + "    probe: {canary: always}\n"},
                                  "chains/upstreams.yaml:7: upstream 'a-up' is paid but its default "
                                  "probe would spend tokens"),
    "family name is an alias": ({"gpt-4.1.yaml": "family: gpt-4.1\naliases: [gpt-77]\n"
                                 "hops: [openai-api]\n"},
                                "chains/gpt-4.1.yaml:1: 'gpt-4.1' is both a family and an alias"),
    "alias entry not a name": ({"gpt.yaml": "family: gpt\naliases:\n  - {name: gpt-4.1}\n"
                                "hops: [openai-api]\n"},
                               "chains/gpt.yaml:3: an alias must be a name"),
    "not utf-8": ({"gpt.yaml": "family: gpt\x00"}, "chains/gpt.yaml:1:"),
}


def _apply(chains, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = chains / name
        if name == "upstreams.yaml" and text.startswith("upstreams:\n  a-up"):
            # A minimal upstreams file replaces the shipped one: keep families resolvable.
            text = textwrap.dedent(text)
            for fam in ("claude", "gemini", "gpt", "qwen"):
                (chains / f"{fam}.yaml").unlink()
            (chains / "a.yaml").write_text("family: a\naliases: [a-1]\nhops: [a-up]\n")
        path.write_bytes(text.encode("utf-8") if "\x00" not in text else b"family: \xff\xfe\n")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_malformed_catalog_reports_file_and_line(case, cli, chains_copy):
    files, expected = CASES[case]
    _apply(chains_copy, files)
    result = cli("chains", "validate")
    assert result.code == 3, result.text
    assert expected in result.out, result.out
    assert "Traceback" not in result.text
    # Every other command refuses the same catalog with one line naming the first problem.
    listed = cli("chains", "list")
    assert listed.code == 3
    assert "invalid chain files: chains/" in listed.err
    assert "Traceback" not in listed.text
    assert "hunter2secret" not in result.text + listed.text and "key=abc" not in result.text + listed.text


def test_every_problem_is_reported_at_once(cli, chains_copy):
    (chains_copy / "gpt.yaml").write_text(
        "family: gpt\naliases: [gpt-4.1]\nhops:\n  - upstream: nope\n  - upstream: openai-api\n"
        "    whyy: typo\nfallbacks:\n  gpt-4.1: {alias: qwen-3.6}\n")
    result = cli("chains", "validate")
    assert result.code == 3
    assert "chains/gpt.yaml:4: unknown upstream 'nope'" in result.out
    assert "chains/gpt.yaml:6: unknown key 'whyy'" in result.out
    assert "chains/gpt.yaml:8: fallback 'gpt-4.1' -> 'qwen-3.6' crosses into family 'qwen'" in result.out
    assert result.out.rstrip().endswith("3 problems found")


def test_validate_json_lists_problems(cli, chains_copy):
    (chains_copy / "gpt.yaml").write_text("family: gpt\naliases: [gpt-4.1]\nhops: []\n")
    import json

    result = cli("chains", "validate", "-o", "json")
    assert result.code == 3
    doc = json.loads(result.out)
    assert doc["valid"] is False
    assert doc["problems"] == [{"file": "chains/gpt.yaml", "line": 3,
                                "message": "family 'gpt' has an empty chain",
                                "hint": "add at least one hop: '- upstream: NAME'"}]


def test_validate_path_argument_and_missing_dir(cli, chains_copy, tmp_path):
    good = cli("chains", "validate", str(chains_copy / "gpt.yaml"))
    assert good.code == 0 and "valid" in good.out
    missing = cli("chains", "validate", str(tmp_path / "nowhere"))
    assert missing.code == 3
    assert "no such chains directory" in missing.err


def test_empty_chains_directory(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("--chains", str(empty), "chains", "list")
    assert result.code == 3
    assert "no chain files (*.yaml)" in result.err


def test_catalog_without_upstreams(cli, chains_copy):
    (chains_copy / "upstreams.yaml").unlink()
    result = cli("chains", "validate")
    assert result.code == 3
    assert "no upstreams defined" in result.out
    assert "unknown upstream 'anthropic-oauth'" in result.out
