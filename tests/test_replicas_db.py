"""Keys as the running gateway decides them: two replicas of LiteLLM's own DB-backed proxy on
one PostgreSQL database (tests/dbproxy.py, tests/prisma_adapter), each caching the keys it has
seen, and aspirectl changing keys in that database.

What the README promises, checked here on each release: a new key works on every replica at
once; revoke, delete and rotate --now are refused by every replica within a second of the
command returning when aspirectl drops the key from each replica's cache (and, without that,
a replica keeps honouring a key it has cached: the test shows it); a replica that cannot be
reached is named, with the time its cache lets go; a grace period (1.108.7) keeps the old key
working on every replica."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from aspirectl.litellm.releases import SUPPORTED
from tests.conftest import SHIPPED_CHAINS
from tests.dbproxy import MASTER, db_proxy, free_port
from tests.test_gateway import _credentials, export

RELEASES = ("1.80.0", "1.85.0", "1.108.7")


def _gateway_env(config, chains) -> dict[str, str]:
    import yaml

    from aspirectl.gateway.export import env_var, gateway_env_names

    values = {env_var(n): v for n, v in _credentials(chains).items()}
    env = {}
    for name in gateway_env_names(yaml.safe_load(config.read_text())):
        if name.endswith("_BEARER"):
            env[name] = f"Bearer {values[name.removesuffix('_BEARER')]}"
        elif name in values:
            env[name] = values[name]
    return env


@pytest.fixture(params=RELEASES)
def replicas(request, cli, sandbox_chains, pg_schema, tmp_path, monkeypatch):
    """(release, database URL, [replica URL, replica URL], chains) for one release."""
    from contextlib import ExitStack

    release = request.param
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", release)
    chains = sandbox_chains("seed")
    database = pg_schema(SUPPORTED[release])
    config = export(cli, chains, tmp_path / "config.yaml")
    env = _gateway_env(config, chains)
    with ExitStack() as stack:
        urls = [stack.enter_context(db_proxy(release, config, database, tmp_path, env, name=f"replica-{i}"))
                for i in (1, 2)]
        yield release, database, urls, chains


def _ask(url: str, key: str) -> int:
    """What a replica answers a client holding ``key`` (a served 1-token request, or a refusal)."""
    answer = httpx.post(url + "/v1/chat/completions", headers={"authorization": f"Bearer {key}"}, timeout=30,
                        json={"model": "qwen-3.6", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]})
    return answer.status_code


def _keys(cli, database, urls, *args):
    flags = [a for u in urls for a in ("--gateway-url", u)]
    return cli("--chains", SHIPPED_CHAINS, "--db", database, *flags, "keys", *args)


def _revoke_is_refused_by_every_replica_within_a_second(cli, replicas, monkeypatch):
    _, database, urls, _ = replicas
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_ADMIN_KEY", MASTER)
    leaked = _keys(cli, database, (), "create", "leaked", "--models", "qwen-3.6").out.strip()
    cached = _keys(cli, database, (), "create", "ko", "--models", "qwen-3.6").out.strip()
    assert [_ask(u, leaked) for u in urls] == [200, 200]  # a new key works on every replica at once
    assert [_ask(u, cached) for u in urls] == [200, 200]  # ... and each replica caches it now
    # Without the replicas named, the database says blocked and every replica still serves the
    # key it cached: the gap this closes (LiteLLM's cache, 60 s by default).
    alone = _keys(cli, database, (), "revoke", "ko")
    assert alone.code == 0 and "name the gateway's replicas" in alone.err
    assert [_ask(u, cached) for u in urls] == [200, 200]
    result = _keys(cli, database, urls, "revoke", "leaked", "-o", "json")
    returned = time.monotonic()
    answers = [_ask(u, leaked) for u in urls]
    elapsed = time.monotonic() - returned
    assert result.code == 0, result.text
    assert answers == [401, 401] and elapsed < 1.0, (answers, elapsed)
    caches = json.loads(result.out)["caches"]
    assert [c["dropped"] for c in caches] == [True, True]
    assert "replica 1 of 2" in result.err and "refused from now on" in result.err
    assert MASTER not in result.text


def _delete_and_rotate_now_are_refused_everywhere_and_the_new_key_works_everywhere(cli, replicas, monkeypatch):
    _, database, urls, _ = replicas
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_ADMIN_KEY", MASTER)
    doomed = _keys(cli, database, (), "create", "gone", "--models", "qwen-3.6").out.strip()
    old = _keys(cli, database, (), "create", "rotated", "--models", "qwen-3.6").out.strip()
    assert [_ask(u, doomed) for u in urls] + [_ask(u, old) for u in urls] == [200] * 4
    deleted = _keys(cli, database, urls, "delete", "gone", "--yes")
    assert deleted.code == 0, deleted.text
    assert [_ask(u, doomed) for u in urls] == [401, 401]
    rotated = _keys(cli, database, urls, "rotate", "rotated", "--now", "-o", "json")
    assert rotated.code == 0, rotated.text
    new = json.loads(rotated.out)["key"]
    assert [_ask(u, old) for u in urls] == [401, 401]
    assert [_ask(u, new) for u in urls] == [200, 200]  # not blocked: the replicas' block was undone
    shown = json.loads(_keys(cli, database, (), "show", "rotated", "-o", "json").out)
    assert [k["status"] for k in shown["keys"]] == ["active"]


def _a_replica_that_cannot_be_reached_is_named_with_the_time_its_cache_lets_go(cli, replicas, monkeypatch):
    _, database, urls, _ = replicas
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_ADMIN_KEY", MASTER)
    key = _keys(cli, database, (), "create", "far", "--models", "qwen-3.6").out.strip()
    assert _ask(urls[0], key) == 200
    down = f"http://127.0.0.1:{free_port()}"
    result = _keys(cli, database, (urls[0], down), "revoke", "far")
    assert result.code == 1, result.text  # the key is blocked; one replica may still honour it
    assert _ask(urls[0], key) == 401
    assert f"warning: replica 2 of 2 ({down}) not reached (connection refused): it may honour the old key " \
           "until " in result.err
    no_admin = _keys(cli, database, urls, "revoke", "far")
    monkeypatch.delenv("ASPIRECTL_SECRET_GATEWAY_ADMIN_KEY")
    missing = _keys(cli, database, urls, "delete", "far", "--yes")
    assert no_admin.code == 1 and "no key left to revoke" in no_admin.err  # already blocked
    assert missing.code == 1 and "credential 'gateway-admin-key' (the gateway's master key) is not set" \
        in missing.err


def _rotate_with_grace_keeps_the_old_key_on_every_replica_where_the_release_honours_it(cli, replicas, monkeypatch):
    release, database, urls, _ = replicas
    old = _keys(cli, database, (), "create", "graced", "--models", "qwen-3.6").out.strip()
    assert [_ask(u, old) for u in urls] == [200, 200]
    rotated = _keys(cli, database, urls, "rotate", "graced", "--grace", "1h", "-o", "json")
    if release != "1.108.7":  # 1.80.0 has no grace table; 1.85.0's lookup refuses every key in grace
        assert rotated.code == 1, rotated.text
        assert [_ask(u, old) for u in urls] == [200, 200]  # nothing changed
        return
    assert rotated.code == 0, rotated.text
    new = json.loads(rotated.out)["key"]
    assert [_ask(u, new) for u in urls] == [200, 200]
    assert [_ask(u, old) for u in urls] == [200, 200]  # in its grace period, on every replica


SEED_DOWN = {("gpt-4.1", "codex-shim"): "unreachable", ("gpt-5.2", "codex-shim"): "unreachable",
             ("gpt-5.5", "codex-shim"): "unreachable", ("qwen-3.6-omni", "cloud-first-litellm"): "upstream_error",
             ("gemini-2.5-pro", "google-code-assist"): "overloaded"}


def _a_monitoring_key_is_all_a_monitoring_host_needs(cli, replicas, monkeypatch):
    """#19's 'done': with only a monitoring key (no upstream credential, no admin key),
    probe --via-gateway reads the seed state hop by hop; probe --gateway checks both replicas
    (their config is not visible to such a key, and says so); the key may do nothing else."""
    import os

    release, database, urls, chains = replicas
    made = _keys(cli, database, (), "create", "monitor", "--monitoring")
    assert made.code == 0, made.text
    key = made.out.strip()
    for name in list(os.environ):
        if name.startswith("ASPIRECTL_SECRET_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", key)
    via = cli("--chains", chains, "--gateway-url", urls[0], "probe", "--via-gateway", "-o", "json")
    assert via.code == 1, via.text
    doc = json.loads(via.out)
    assert {(h["alias"], h["upstream"]): h["outcome"] for h in doc["hops"] if h["outcome"] != "ok"} == SEED_DOWN
    served = {a["alias"]: a for a in doc["aliases"]}
    assert served["qwen-3.6-omni"]["served_by"]["alias"] == "claude-haiku-4-5"
    both = cli("--chains", chains, "--gateway-url", urls[0], "--gateway-url", urls[1], "probe", "--gateway", "-o",
               "json")
    replicas_doc = json.loads(both.out)["replicas"]
    assert [r["config_differences"] for r in replicas_doc] == [None, None]
    assert all("not visible to this key" in r["config_note"] for r in replicas_doc), replicas_doc
    assert all(not any(a["drift"] for a in r["aliases"]) for r in replicas_doc), replicas_doc
    # 1.80.0's readiness on a database says its DB check's status ("connected"), not "healthy"
    assert [(r["ready"], r["db"], r["status"]) for r in replicas_doc] == [(True, "connected", "OK")] * 2
    refused = httpx.post(urls[0] + "/key/generate", headers={"authorization": f"Bearer {key}"}, json={}, timeout=30)
    assert refused.status_code in (401, 403)
    assert _ask(urls[0], key) == 200  # a hop group it may call
    # a key that may not call a hop's group: this machine's side (UNKNOWN), never the hop's failure
    narrow = _keys(cli, database, (), "create", "narrow", "--models", "qwen-3.6").out.strip()
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", narrow)
    denied = cli("--chains", chains, "--gateway-url", urls[0], "probe", "--via-gateway", "claude-haiku-4-5",
                 "-o", "json")
    assert denied.code == 3, denied.text
    hop = next(h for h in json.loads(denied.out)["hops"] if h["upstream"] == "anthropic-oauth")
    assert hop["origin"] == "local" and hop["http_status"] == (401 if release == "1.80.0" else 403)
    assert "may not call the hop group 'claude-haiku-4-5' (key_model_access_denied)" in hop["detail"]
    other = httpx.post(urls[0] + "/v1/embeddings", headers={"authorization": f"Bearer {key}"}, timeout=30,
                       json={"model": "text-embedding-3-small", "input": "x"})
    assert other.status_code in (400, 401, 403)


def test_keys_as_two_real_replicas_decide_them(cli, replicas, monkeypatch):
    """Each section on the same two replicas (started once per release: ~10 s each)."""
    _revoke_is_refused_by_every_replica_within_a_second(cli, replicas, monkeypatch)
    _delete_and_rotate_now_are_refused_everywhere_and_the_new_key_works_everywhere(cli, replicas, monkeypatch)
    _rotate_with_grace_keeps_the_old_key_on_every_replica_where_the_release_honours_it(cli, replicas, monkeypatch)
    _a_replica_that_cannot_be_reached_is_named_with_the_time_its_cache_lets_go(cli, replicas, monkeypatch)
    _a_monitoring_key_is_all_a_monitoring_host_needs(cli, replicas, monkeypatch)


def test_a_replica_that_refuses_or_answers_nonsense_is_named_and_nothing_is_lost(cli, tmp_path, monkeypatch):
    """Scripted replicas (no real proxy): one refuses the admin key, one answers a huge body
    with escape sequences. The key is blocked in the database all the same; each replica is one
    printable line; exit 1; the admin key appears nowhere."""
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import http_server

    seen: list = []

    def refusing(request):
        seen.append(request)
        return Response(401, {"error": {"message": "Authentication Error", "type": "auth_error", "code": "401"}})

    def hostile(request):
        seen.append(request)
        return Response(500, {"error": {"message": "\x1b]52;c;cHduZWQ=\x07boom " + "x" * 500_000}})

    database = f"sqlite:///{tmp_path}/keys.db"
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_ADMIN_KEY", MASTER)
    assert _keys(cli, database, (), "create", "postiz", "--create").code == 0
    with http_server(refusing) as one, http_server(hostile) as two:
        result = _keys(cli, database, (one, two), "revoke", "postiz")
    assert result.code == 1
    assert f"replica 1 of 2 ({one}) refused the admin key (401 auth_error)" in result.err
    assert f"replica 2 of 2 ({two}) " in result.err and "\x1b" not in result.err and "\x07" not in result.err
    assert len(result.err) < 5000 and MASTER not in result.text
    assert all(r.path == "/key/block" and r.headers["authorization"] == f"Bearer {MASTER}" for r in seen)
    shown = json.loads(_keys(cli, database, (), "show", "postiz", "-o", "json").out)
    assert [k["status"] for k in shown["keys"]] == ["blocked"]
