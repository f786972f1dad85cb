"""`usage` against rows LiteLLM itself wrote: its own DB-backed proxy (tests/dbproxy.py) in
front of the simulators in the seed state, real traffic through it, then aspirectl reading
LiteLLM_SpendLogs. What each release writes differs (../shared/reference/litellm.md section 0,
confirmed here): the numbers that can be right are right on every release, and what a
release's rows cannot tell is named."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import yaml

from aspirectl.litellm.releases import SUPPORTED
from tests.dbproxy import db_proxy
from tests.test_gateway import export
from tests.test_replicas_db import _gateway_env


def _ask(url: str, key: str, model: str, content: str = "hi") -> int:
    return httpx.post(url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"}, timeout=60,
                      json={"model": model, "max_tokens": 1,
                            "messages": [{"role": "user", "content": content}]}).status_code


@pytest.mark.parametrize("release", ["1.80.0", "1.85.0", "1.108.7"])
def test_usage_reads_the_rows_each_release_writes(cli, sandbox_chains, pg_schema, tmp_path, monkeypatch, release):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", release)
    chains = sandbox_chains("seed")
    box = sandbox_chains.box
    database = pg_schema(SUPPORTED[release])
    config = export(cli, chains, tmp_path / "config.yaml")
    doc = yaml.safe_load(config.read_text())
    doc.setdefault("general_settings", {})["proxy_batch_write_at"] = 1  # spend logs written within a second
    # LiteLLM's own response cache (in memory): a repeated request is a cache hit row
    doc.setdefault("litellm_settings", {}).update({"cache": True, "cache_params": {"type": "local"}})
    config.write_text(yaml.safe_dump(doc))

    def keys(*args):
        return cli("--chains", chains, "--db", database, "keys", *args)

    app = keys("create", "app").out.strip()
    narrow = keys("create", "narrow", "--models", "qwen-3.6").out.strip()
    omni = keys("create", "omni", "--models", "qwen-3.6-omni").out.strip()  # and what its fallback needs
    with db_proxy(release, config, database, tmp_path, _gateway_env(config, chains)) as url:
        # (each request its own words: LiteLLM's response cache is on, and answers a repeat)
        assert [_ask(url, app, "qwen-3.6-omni", f"omni {n}") for n in range(2)] == [200, 200]  # by claude-haiku-4-5
        assert _ask(url, omni, "qwen-3.6-omni", "omni by its own key") == 200  # a key for it alone
        assert [_ask(url, app, "gpt-5.5", f"gpt {n}") for n in range(2)] == [200, 200]  # served by hop 2
        assert _ask(url, app, "qwen-3.6", "asked twice") == 200
        assert _ask(url, app, "qwen-3.6", "asked twice") == 200  # the same request again: from the cache
        assert _ask(url, narrow, "gpt-5.5") in (401, 403)  # the key may not: refused by the gateway
        assert _ask(url, "sk-unknown-" + "0" * 16, "qwen-3.6") == 401  # no such key
        box.sims["anthropic-oauth"].fault = box.sims["anthropic-api"].fault = "overloaded"
        # every hop of the walk fails (a request not asked before: the cache cannot answer it)
        assert _ask(url, app, "qwen-3.6-omni", "a new question") >= 500
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = cli("--chains", chains, "--db", database, "usage", "--since", "1h", "-o", "json")
            report = json.loads(result.out)
            total = sum(a["served"] + a["failed"] + sum(a["refused_by_gateway"].values()) for a in report["aliases"])
            total += sum(report["unattributed_failures"].values())
            total += sum(a["cache_hits"] for a in report["aliases"])
            if total >= 10:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"LiteLLM {release} wrote fewer than 10 spend-log rows in 30 s: {result.out}")
    aliases = {a["alias"]: a for a in report["aliases"]}
    gpt = aliases["gpt-5.5"]
    assert gpt["served"] == 2 and gpt["via_fallback"] == 2 and gpt["failed"] == 0
    assert [(h["deployment"], h["requests"]) for h in gpt["hops"]] == [("gpt-5.5@openai-api", 2)]
    refused = {a["alias"]: a["refused_by_gateway"] for a in report["aliases"] if a["refused_by_gateway"]}
    assert sorted(refused) == ["gpt-5.5", "qwen-3.6"], refused  # never the alias failing
    assert report["unattributed_failures"] == {}
    assert aliases["qwen-3.6"]["served"] == 1 and aliases["qwen-3.6"]["failed"] == 0
    assert aliases["qwen-3.6"]["cache_hits"] == 1  # the repeated request: a cache hit, not served twice
    # the same numbers in every output (Nagios, Prometheus and the table read the same report)
    def usage(*args):
        out = cli("--chains", chains, "--db", database, "usage", "--since", "1h", *args)
        assert out.code in (0, 1, 2), out.text
        return out.out
    nagios, prom, table = usage("-o", "nagios"), usage("-o", "prometheus"), usage()
    for a in report["aliases"]:
        label = a["alias"]
        assert f"'failure_share_{label}'={a['failure_share'] * 100:.1f}%" in nagios, (label, nagios)
        assert f"'paid_spend_{label}'={a['paid_spend']:.2f}" in nagios, (label, nagios)
        window = f"{1 / 24:g}d"  # --since 1h
        assert f'aspirectl_usage_cache_hits{{alias="{label}",window="{window}"}} {a["cache_hits"]}\n' in prom, \
            (label, prom)
        assert f"{label}: {a['requests']:,} requests" in table, (label, table)
        for hop in a["hops"]:
            line = (f'aspirectl_usage_requests{{alias="{label}",hop="{hop["deployment"]}",'
                    f'upstream="{hop["upstream"]}",route="{hop["route"]}",window="{window}"}} {hop["requests"]}\n')
            assert line in prom, (line, prom)
    # the fallback's traffic is qwen-3.6-omni's on every release: 1.108.7's rows say what was
    # asked (original_model_group); 1.80.0's and 1.85.0's name qwen-3.6-omni's own copies of
    # claude-haiku-4-5's deployments (the export for a release that logs no requested group)
    asked = aliases["qwen-3.6-omni"]
    assert asked["served"] == 3 and asked["cross_family"] == 3 and asked["via_fallback"] == 3
    assert asked["failed"] == 1  # the walk where every hop failed: 1.85.0's row names its last copy
    assert [(h["deployment"], h["served_alias"], h["requests"]) for h in asked["hops"]] == \
        [("claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5", 3)]
    assert "claude-haiku-4-5" not in aliases  # nobody asked for it
    by_key = json.loads(cli("--chains", chains, "--db", database, "usage", "--since", "1h", "--by", "consumer",
                            "-o", "json").out)["consumers"]
    mine = [(c["alias"], c["requests"], c["cross_family"], c["served_by"]) for c in by_key if c["consumer"] == "omni"]
    assert mine == [("qwen-3.6-omni", 1, 1, {"claude-haiku-4-5 via anthropic-oauth": 1})], by_key
    assert report["rows_without_original_group"] == 0  # no row leaves in doubt who asked
    if release == "1.108.7":
        assert refused == {"gpt-5.5": {"ModelAccessDeniedProxyException": 1}, "qwen-3.6": {"KeyNotFoundError": 1}}
    else:  # the same refusals, as these releases class them
        assert refused == {"gpt-5.5": {"ProxyException": 1}, "qwen-3.6": {"ProxyException": 1}}
