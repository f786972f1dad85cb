"""The gateway's truth: the exported LiteLLM config, a real LiteLLM proxy in front of the
simulators, and probe --gateway telling what really serves (and every way the gateway fails)."""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from aspirectl.catalog.loader import load_catalog
from aspirectl.gateway.export import env_var, litellm_config
from aspirectl.litellm.releases import SUPPORTED
from tests import pgutil
from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.dbproxy import serving

# The real proxies these tests run, each in the virtualenv scripts/test installs it into.
RELEASES = tuple(os.environ.get("ASPIRECTL_LITELLM_RELEASES", " ".join(SUPPORTED)).split())


def litellm_bin(release: str) -> Path:
    return pgutil.CI_CACHE / f"litellm-{release}" / "bin" / "litellm"
MASTER = "sk-master-" + "0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _credentials(chains: Path) -> dict[str, str]:
    out = {}
    for line in (chains / "credentials.env").read_text().splitlines():
        if line.startswith("ASPIRECTL_SECRET_"):
            name, value = line.split("=", 1)
            out[name[len("ASPIRECTL_SECRET_"):].lower().replace("_", "-")] = value
    return out


@contextmanager
def litellm_proxy(config: Path, chains: Path, tmp_path: Path, release: str):
    binary = litellm_bin(release)
    if not binary.exists():
        pytest.fail(f"no LiteLLM proxy at {binary}: run scripts/test, which installs it")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASPIRECTL", "DATABASE_URL"))}
    # Exactly the variables the export lists (derived from the config itself), nothing more:
    # a name missing there would make a hop fail here as it would on the real gateway.
    from aspirectl.gateway.export import gateway_env_names

    values = {env_var(name): value for name, value in _credentials(chains).items()}
    for name in gateway_env_names(yaml.safe_load(config.read_text())):
        if name == "LITELLM_MASTER_KEY":
            env[name] = MASTER
        elif name.endswith("_BEARER"):
            env[name] = f"Bearer {values[name.removesuffix('_BEARER')]}"
        elif name in values:
            env[name] = values[name]
    env.update({"NO_PROXY": "127.0.0.1,localhost", "LITELLM_LOG": "ERROR"})
    with serving([str(binary), "--config", str(config)], env, tmp_path, tmp_path / "proxy.log",
                 "/health/liveliness", f"LiteLLM {release}", within_s=90) as url:
        yield url


@pytest.fixture(autouse=True)
def _proxy_release(monkeypatch):
    """Tests without a proxy target the oldest release unless they say otherwise."""
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", RELEASES[0])


@pytest.fixture(params=RELEASES)
def release(request, monkeypatch) -> str:
    """Each real-proxy test runs on every release; the export and --check target it."""
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", request.param)
    return request.param


def export(cli, chains: Path, target: Path) -> Path:
    """config.yaml and the Code Assist provider beside it, as an operator deploys them."""
    result = cli("--chains", chains, "chains", "export", "--format", "litellm", "--write", target.parent)
    assert result.code == 0, result.text
    written = target.parent / "config.yaml"
    assert (target.parent / "aspirectl_code_assist.py").exists()
    if written != target:
        written.rename(target)
    return target


def test_export_is_a_faithful_litellm_config(cli):
    os.environ.pop("ASPIRECTL_LITELLM_VERSION", None)  # the default target
    text = cli("--chains", SHIPPED_CHAINS, "chains", "export").out
    assert "# DECLARED cross-family fallback qwen-3.6-omni -> claude-haiku-4-5" in text
    doc = yaml.safe_load(text)
    ids = [m["model_info"]["id"] for m in doc["model_list"]]
    assert len(ids) == len(set(ids)) == 16  # one deployment per (alias, hop)
    by_id = {m["model_info"]["id"]: m for m in doc["model_list"]}
    assert by_id["gpt-5.5@codex-shim"]["model_name"] == "gpt-5.5"
    assert by_id["gpt-5.5@openai-api"]["model_name"] == "gpt-5.5@openai-api"
    assert by_id["gpt-5.5@openai-api"]["litellm_params"]["api_key"] == "os.environ/OPENAI_API_KEY"
    fallbacks = {k: v for entry in doc["router_settings"]["fallbacks"] for k, v in entry.items()}
    assert fallbacks["gpt-5.5"] == ["gpt-5.5@openai-api"]
    assert fallbacks["qwen-3.6-omni"] == ["claude-haiku-4-5", "claude-haiku-4-5@anthropic-api"]
    assert "qwen-3.6" not in fallbacks  # no further fallback: fail loudly
    assert doc["router_settings"]["num_retries"] == 0
    assert "sk-" not in text.replace("os.environ/", "")  # no literal secret anywhere
    assert by_id["gemini-2.5-pro@google-code-assist"]["litellm_params"]["model"] == "code-assist/gemini-2.5-pro"
    assert doc["litellm_settings"]["custom_provider_map"] == [
        {"provider": "code-assist", "custom_handler": "aspirectl_code_assist.handler"}]
    # LiteLLM 1.81.12+ (the default target) sends the sk-ant-oat token as a Bearer itself.
    assert "extra_headers" not in by_id["claude-opus-4-7@anthropic-oauth"]["litellm_params"]
    assert "# For LiteLLM 1.108.7" in text and "ANTHROPIC_OAUTH_TOKEN_BEARER" not in text
    old = yaml.safe_load(cli("--chains", SHIPPED_CHAINS, "chains", "export", "--litellm-version", "1.81.11").out)
    old_ids = {m["model_info"]["id"]: m for m in old["model_list"]}
    oauth = old_ids["claude-opus-4-7@anthropic-oauth"]["litellm_params"]["extra_headers"]
    assert oauth == {"Authorization": "os.environ/ANTHROPIC_OAUTH_TOKEN_BEARER", "anthropic-beta": "oauth-2025-04-20"}
    catalog = load_catalog(SHIPPED_CHAINS)
    assert litellm_config(catalog)[0] == doc


def test_an_export_for_a_release_that_logs_no_requested_group_gives_fallbacks_their_own_copies(cli, tmp_path):
    """1.80.0/1.85.0 log only the serving deployment: qwen-3.6-omni's fallback goes to its own
    copies of claude-haiku-4-5's deployments (the same calls), so its rows name it. From 1.100
    (1.108.7) the rows say what was asked, and the fallback names claude-haiku-4-5's groups."""
    def doc_for(release):
        return yaml.safe_load(cli("--chains", SHIPPED_CHAINS, "chains", "export", "--litellm-version", release).out)

    old, new = doc_for("1.85.0"), doc_for("1.100.0")
    by_id = {m["model_info"]["id"]: m for m in old["model_list"]}
    fallbacks = {k: v for entry in old["router_settings"]["fallbacks"] for k, v in entry.items()}
    copies = ["qwen-3.6-omni>claude-haiku-4-5@anthropic-oauth", "qwen-3.6-omni>claude-haiku-4-5@anthropic-api"]
    assert fallbacks["qwen-3.6-omni"] == copies
    assert fallbacks["gpt-5.5"] == ["gpt-5.5@openai-api"]  # an alias's own hops are its own already
    assert sorted(i for i in by_id if ">" in i) == sorted(copies)  # no other alias has a fallback
    for ident in copies:
        copied = by_id[ident.split(">", 1)[1]]
        assert by_id[ident]["model_name"] == ident
        assert by_id[ident]["litellm_params"] == copied["litellm_params"]
        assert by_id[ident]["model_info"] == {**copied["model_info"], "id": ident,
                                              "aspirectl_fallback_for": "qwen-3.6-omni"}
    assert len(by_id) == 16 + 2
    assert not any(">" in m["model_info"]["id"] for m in new["model_list"]) and len(new["model_list"]) == 16
    assert {k: v for e in new["router_settings"]["fallbacks"] for k, v in e.items()}["qwen-3.6-omni"] == [
        "claude-haiku-4-5", "claude-haiku-4-5@anthropic-api"]
    # the config of one release is drift for the other, named as such
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(old))
    check = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config, "--litellm-version", "1.108.7")
    assert check.code == 1
    assert "extra model group qwen-3.6-omni>claude-haiku-4-5@anthropic-oauth: in the config, not in the chains" \
        in check.out
    assert "undeclared fallback" not in check.out  # the copies are of the declared target
    assert ("fallback qwen-3.6-omni -> qwen-3.6-omni>claude-haiku-4-5@anthropic-api: the declared fallback to "
            "claude-haiku-4-5 as an export for another LiteLLM release names it (re-export for 1.108.7)") in check.out
    config.write_text(yaml.safe_dump(new))
    check = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config, "--litellm-version", "1.85.0")
    assert check.code == 1
    assert "missing fallback copy qwen-3.6-omni>claude-haiku-4-5@anthropic-api: the chains serve it" in check.out


def test_the_export_lists_every_variable_its_config_references(cli, tmp_path):
    import re as regex

    for release in ("1.80.0", "1.108.7"):
        text = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--litellm-version", release).out
        referenced = sorted(set(regex.findall(r"os\.environ/([A-Z0-9_]+)", text)))
        listed = text.split("# Environment the gateway needs: ", 1)[1].split(".\n", 1)[0].split(", ")
        assert listed == referenced, (release, listed, referenced)
        assert ("ANTHROPIC_OAUTH_TOKEN_BEARER" in listed) == (release == "1.80.0")
    written = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--litellm-version", "1.80.0", "--write",
                  tmp_path / "gw")
    assert written.code == 0
    example = (tmp_path / "gw" / "gateway.env.example").read_text()
    names = [ln.split("=")[0] for ln in example.splitlines() if ln and not ln.startswith("#")]
    assert "ANTHROPIC_OAUTH_TOKEN_BEARER" in names and "LITELLM_MASTER_KEY" in names


def test_sandbox_write_chains_writes_the_gateways_environment(sandbox_chains):
    chains = sandbox_chains("seed")
    env = (chains / "gateway.env").read_text()
    values = dict(ln.split("=", 1) for ln in env.splitlines() if ln and not ln.startswith("#"))
    assert values["OPENAI_API_KEY"] and values["LITELLM_MASTER_KEY"].startswith("sk-sandbox-master-")
    assert oct((chains / "gateway.env").stat().st_mode & 0o777) == "0o600"


def test_check_flags_a_config_that_does_not_fit_the_gateways_release(cli, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(cli("--chains", SHIPPED_CHAINS, "chains", "export", "--litellm-version", "1.80.0").out)
    assert cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config,
               "--litellm-version", "1.80.0").code == 0
    wrong = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config, "--litellm-version", "1.85.0")
    assert wrong.code == 1
    assert "sends the OAuth token as a Bearer itself: the upstream gets two, answers 401" in wrong.out


def test_export_check_lists_every_difference(cli, tmp_path):
    config = export(cli, SHIPPED_CHAINS, tmp_path / "config.yaml")
    same = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config)
    assert same.code == 0 and f"matches the catalog {SHIPPED_CHAINS}: no drift" in same.out
    doc = yaml.safe_load(config.read_text())
    doc["model_list"] = [m for m in doc["model_list"] if m["model_info"]["id"] != "qwen-3.6@cloud-first-litellm"]
    for entry in doc["router_settings"]["fallbacks"]:
        if "gpt-5.5" in entry:
            entry["gpt-5.5"] = ["claude-haiku-4-5"]
        if "claude-opus-4-7" in entry:
            entry["claude-opus-4-7"] = ["claude-opus-4-7@anthropic-api", "gemini-2.5-pro"]
    doc["router_settings"]["num_retries"] = 3
    config.write_text(yaml.safe_dump(doc))
    result = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", config)
    assert result.code == 1
    out = result.out
    assert "missing alias qwen-3.6: the chains serve it, the config does not" in out
    assert ("undeclared fallback gpt-5.5 -> claude-haiku-4-5 (crosses from family gpt into claude: "
            "a silent vendor fallback)") in out
    assert "fallback gpt-5.5 -> gpt-5.5@openai-api is missing from the config" in out
    assert "undeclared fallback claude-opus-4-7 -> gemini-2.5-pro (crosses from family claude into gemini" in out
    assert "router_settings.num_retries is 3" in out
    assert out.rstrip().endswith("5 differences between " + str(config) + " and the chains")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_list: [\n")
    broken = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--check", bad)
    assert broken.code == 3 and "bad.yaml:" in broken.err
    assert_one_line_error(broken)


def _probe_gateway(cli, chains: Path, url: str, *extra: str) -> tuple[int, dict]:
    result = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "-o", "json", *extra)
    assert "Traceback" not in result.text
    return result.code, json.loads(result.out)


def test_real_proxy_serves_what_route_predicts_in_the_seed_state(cli, sandbox_chains, tmp_path, monkeypatch, release):
    chains = sandbox_chains("seed")
    config = export(cli, chains, tmp_path / "config.yaml")
    with litellm_proxy(config, chains, tmp_path, release) as url:
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
        code, doc = _probe_gateway(cli, chains, url)
        table = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway").out
        nagios = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "-o", "nagios").out
        prom = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "-o", "prometheus").out
        # without a DB the real proxy cannot check a virtual key: 400 no_db_connection, not an upstream's 401
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", "sk-" + "NotTheMaster0Key1")
        refused_code, refused = _probe_gateway(cli, chains, url, "qwen-3.6")
    assert refused_code == 3
    assert refused["gateway"]["reasons"][0].startswith("the gateway refused aspirectl's key (400 no_db_connection)")
    gateway = doc["gateway"]
    assert gateway["alive"] and gateway["ready"] and gateway["db"] == "not configured"
    served = {a["alias"]: a for a in gateway["aliases"]}
    assert set(served) == set(load_catalog(SHIPPED_CHAINS).aliases)
    for alias, answer in served.items():
        assert answer["served_by"] == answer["expected"], (alias, answer)
        assert not answer["drift"]
    assert served["gpt-5.5"]["served_by"] == "gpt-5.5@openai-api"
    assert served["gpt-5.5"]["attempted_fallbacks"] == 1
    assert served["qwen-3.6-omni"]["served_by"] == "claude-haiku-4-5@anthropic-oauth"  # the declared one
    assert served["claude-opus-4-7"]["served_by"] == "claude-opus-4-7@anthropic-oauth"
    assert served["gemini-2.5-pro"]["served_by"] == "gemini-2.5-pro@google-ai-studio"
    assert code == 1 and doc["status"] == "WARNING"  # the seed state itself is WARNING; no drift on top
    assert "gateway: serves as predicted" in table and table.count("DRIFT") == 1  # the column header only
    assert "gateway up, 0 drift" in nagios and "gateway_drift=0;;;0;9" in nagios
    assert "aspirectl_gateway_up 1" in prom and 'aspirectl_gateway_drift{alias="gpt-5.5"} 0' in prom


def test_tampered_config_is_caught_both_ways(cli, sandbox_chains, tmp_path, monkeypatch, release):
    chains = sandbox_chains("seed")
    config = export(cli, chains, tmp_path / "config.yaml")
    doc = yaml.safe_load(config.read_text())
    for entry in doc["router_settings"]["fallbacks"]:
        if "gpt-5.5" in entry:
            entry["gpt-5.5"] = ["claude-haiku-4-5"]  # someone "helpfully" switches vendors
    config.write_text(yaml.safe_dump(doc))
    check = cli("--chains", chains, "chains", "export", "--check", config)
    assert check.code == 1 and "undeclared fallback gpt-5.5 -> claude-haiku-4-5" in check.out
    with litellm_proxy(config, chains, tmp_path, release) as url:
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
        code, result = _probe_gateway(cli, chains, url)
        table = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "gpt-5.5").out
    answer = next(a for a in result["gateway"]["aliases"] if a["alias"] == "gpt-5.5")
    assert answer["drift"] and answer["served_by"] == "claude-haiku-4-5@anthropic-oauth"
    assert answer["expected"] == "gpt-5.5@openai-api"
    assert code == 1  # a DRIFT to another hop is a WARNING
    assert ("DRIFT gpt-5.5: gateway served claude-haiku-4-5@anthropic-oauth, route expects gpt-5.5@openai-api"
            in table)


def test_healthy_state_first_hops_serve_without_drift(cli, sandbox_chains, tmp_path, monkeypatch, release):
    """Healthy: through the real proxy every alias is served by its first hop (Code Assist
    through the exported custom provider), exactly as route predicts."""
    chains = sandbox_chains("all-up")
    config = export(cli, chains, tmp_path / "config.yaml")
    with litellm_proxy(config, chains, tmp_path, release) as url:
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
        _, doc = _probe_gateway(cli, chains, url)
    served = {a["alias"]: a for a in doc["gateway"]["aliases"]}
    for alias, answer in served.items():
        assert not answer["drift"], (alias, answer)
        assert answer["attempted_fallbacks"] == 0, (alias, answer)
    assert served["gemini-2.5-pro"]["served_by"] == "gemini-2.5-pro@google-code-assist"
    assert served["gpt-5.5"]["served_by"] == "gpt-5.5@codex-shim"
    assert served["claude-opus-4-7"]["served_by"] == "claude-opus-4-7@anthropic-oauth"


def test_gateway_down_is_critical(cli, sandbox_chains, monkeypatch):
    chains = sandbox_chains("all-up")
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
    started = time.monotonic()
    code, doc = _probe_gateway(cli, chains, f"http://127.0.0.1:{_free_port()}", "claude")
    assert time.monotonic() - started < 10
    assert code == 2 and doc["gateway"]["alive"] is False
    assert "gateway down: connection refused" in doc["gateway"]["reasons"][0]


def test_gateway_db_down_is_critical(cli, sandbox_chains, monkeypatch):
    from aspirectl.sandbox.catalogue import Behaviour
    from tests.sandboxing import scenario

    chains = sandbox_chains(scenario(cloud_first_litellm=Behaviour(fault="db_down")))
    gateway = yaml.safe_load((chains / "upstreams.yaml").read_text())["upstreams"]["cloud-first-litellm"]["base_url"]
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", os.environ["ASPIRECTL_SECRET_CLOUD_FIRST_LITELLM_KEY"])
    code, doc = _probe_gateway(cli, chains, gateway, "claude")
    assert code == 2
    assert doc["gateway"]["ready"] is False
    assert "gateway DB down: Service Unhealthy (Can't reach database server" in doc["gateway"]["reasons"][0]
    nagios = cli("--chains", chains, "--gateway-url", gateway, "probe", "--gateway", "claude", "-o", "nagios")
    assert nagios.out.startswith("ASPIRECTL CRITICAL - ") and "gateway DB down" in nagios.out


def test_wrong_gateway_key_is_the_gateway_refusing_us_not_an_upstream(cli, sandbox_chains, monkeypatch):
    chains = sandbox_chains("all-up")
    gateway = yaml.safe_load((chains / "upstreams.yaml").read_text())["upstreams"]["cloud-first-litellm"]["base_url"]
    wrong = "sk-" + "Wrong0Key1For2The3Gateway"
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", wrong)
    code, doc = _probe_gateway(cli, chains, gateway, "qwen-3.6")
    assert code == 3  # UNKNOWN: the check cannot judge, the gateway is not down
    reason = doc["gateway"]["reasons"][0]
    assert reason.startswith("the gateway refused aspirectl's key (401 token_not_found_in_db)")  # as 1.85.0 says
    assert wrong not in json.dumps(doc)
    missing = cli("--chains", chains, "--gateway-url", gateway, "probe", "--gateway", "qwen-3.6")
    monkeypatch.delenv("ASPIRECTL_SECRET_GATEWAY_KEY")
    missing = cli("--chains", chains, "--gateway-url", gateway, "probe", "--gateway", "qwen-3.6")
    assert missing.code == 3 and "credential 'gateway-key' is not set" in missing.out


def test_a_hanging_gateway_is_bounded(cli, sandbox_chains, monkeypatch):
    chains = sandbox_chains("all-up")
    hung = sandbox_chains("hung")
    gateway = yaml.safe_load((hung / "upstreams.yaml").read_text())["upstreams"]["cloud-first-litellm"]["base_url"]
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
    from tests.conftest import export_credentials

    export_credentials(chains, monkeypatch)
    started = time.monotonic()
    result = cli("--chains", chains, "--gateway-url", gateway, "probe", "--gateway", "claude", "--timeout", "1",
                 "-o", "json")
    assert time.monotonic() - started < 4
    assert result.code == 2
    doc = json.loads(result.out)
    assert doc["gateway"]["alive"] is False and "no answer within 1s" in doc["gateway"]["reasons"][0]


def test_gateway_flag_needs_a_url(cli):
    result = cli("--chains", SHIPPED_CHAINS, "probe", "--gateway")
    assert result.code == 3 and "--gateway needs the gateway's URL" in result.err


def test_the_gateway_fails_loudly_where_route_says_it_will(cli, sandbox_chains, tmp_path, monkeypatch, release):
    chains = sandbox_chains("outage")
    config = export(cli, chains, tmp_path / "config.yaml")
    with litellm_proxy(config, chains, tmp_path, release) as url:
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
        code, doc = _probe_gateway(cli, chains, url, "gpt", "qwen-3.6", "claude-haiku-4-5", "gemini-2.5-pro")
        table = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "gpt-5.5").out
    assert code == 2
    predicted = {a["alias"]: a["failure"] for a in doc["aliases"]}
    for answer in doc["gateway"]["aliases"]:
        assert answer["served_by"] is None and answer["expected"] is None and not answer["drift"]
        assert answer["http_status"] >= 400 and answer["message"]  # the gateway's own loud error
        # route predicts the very status the real gateway answers: the first hop's error (LiteLLM
        # returns the asked group's error after the fallbacks failed), overload 500, refused 500,
        # Code Assist's capacity 429 on every release (the exported provider raises LiteLLM's own
        # RateLimitError; a CustomLLMError was a 500 APIConnectionError on 1.80.0 and 1.85.0).
        assert predicted[answer["alias"]]["status"] == answer["http_status"], (answer, predicted[answer["alias"]])
        assert "Traceback" not in answer["message"]
    gpt = next(a for a in doc["gateway"]["aliases"] if a["alias"] == "gpt-5.5")
    assert "Bad gateway" in gpt["message"] or "502" in gpt["message"]
    assert "ERROR" in table and "fails loudly" in table


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_release_that_is_no_release_is_a_usage_error(cli, monkeypatch, how):
    if how == "flag":
        result = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--litellm-version", "abc")
    else:
        monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "latest")
        result = cli("--chains", SHIPPED_CHAINS, "chains", "export")
    assert result.code == 2 and result.out == ""
    assert "is not a LiteLLM release" in result.err
    assert_one_line_error(result)


def test_a_bad_number_option_names_no_phantom_env_var(cli):
    result = cli("--chains", SHIPPED_CHAINS, "chains", "graph", "--live", "--deadline", "abc")
    assert result.code == 2 and "'abc' is not a valid float" in result.err
    assert "env var" not in result.err


@pytest.mark.parametrize(("name", "requester", "deployment", "alias"), [
    ("qwen-3.6-omni>claude-haiku-4-5@anthropic-oauth", "qwen-3.6-omni", "claude-haiku-4-5@anthropic-oauth",
     "claude-haiku-4-5"),
    ("gpt-5.5@openai-api", None, "gpt-5.5@openai-api", "gpt-5.5"),
    ("gpt-5.5", None, "gpt-5.5", "gpt-5.5"),
    (">gpt-5.5@openai-api", None, ">gpt-5.5@openai-api", ">gpt-5.5"),  # no requester: not a copy
    ("gpt-5.5>", None, "gpt-5.5>", "gpt-5.5>"),  # nothing copied: not a copy
])
def test_a_fallback_copys_name_says_who_asked_and_what_it_calls(name, requester, deployment, alias):
    from aspirectl.litellm.naming import alias_of, fallback_id, served_deployment, split_fallback

    assert split_fallback(name) == (requester, deployment)
    assert served_deployment(name) == deployment and alias_of(name) == alias
    if requester:
        assert fallback_id(requester, alias, deployment.split("@", 1)[1]) == name


@pytest.mark.parametrize(("release", "logs"), [
    ("1.80.0", False), ("1.85.0", False), ("1.99.4", False), ("1.100.0", True), ("1.108.7", True), (None, True)])
def test_the_releases_that_log_the_group_asked_for(release, logs):
    """Checked in the wheels: original_model_group is in SpendLogsMetadata from 1.100.0, not in
    1.95.0-1.99.0 (the default target, 1.108.7, has it)."""
    from aspirectl.litellm.releases import logs_requested_group

    assert logs_requested_group(release) is logs
