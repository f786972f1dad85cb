"""keys/evict.py against scripted replicas on loopback: what is sent (LiteLLM's /key/block with
the hash, the admin key as a Bearer, to the replicas named and nowhere else), and what each
answer means, word for word: dropped, refused, 404 (the row is gone), an error, unreachable,
silent, hostile; when a replica that kept the key lets go of it. The real DB-backed replicas
(tests/test_replicas_db.py) show the same decisions on LiteLLM itself."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.keys import evict
from aspirectl.sandbox.httpserver import Response
from tests.hostile import http_server

ADMIN = "sk-admin-" + "0123456789abcdef"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TOKENS = ["a" * 64, "b" * 64]


def _replica(answers):
    """A replica answering /key/block by the token asked for (answers: token -> Response)."""
    seen: list = []

    def respond(request):
        seen.append(request)
        token = (request.json() or {}).get("key")
        return answers.get(token) or Response(200, {"token": token, "blocked": True})

    return http_server(respond), seen


def test_every_token_is_blocked_on_every_replica_with_the_admin_key():
    first, seen_one = _replica({})
    second, seen_two = _replica({})
    with first as one, second as two:
        result = evict.evict([one, two], ADMIN, TOKENS, now=NOW)
    assert result == [evict.Eviction(one, True, "dropped from its key cache"),
                      evict.Eviction(two, True, "dropped from its key cache")]
    for seen in (seen_one, seen_two):
        assert [(r.method, r.path, json.loads(r.body)) for r in seen] == [
            ("POST", "/key/block", {"key": TOKENS[0]}), ("POST", "/key/block", {"key": TOKENS[1]})]
        assert all(r.headers["authorization"] == f"Bearer {ADMIN}" for r in seen)
    assert result[0].to_dict() == {"replica": one, "dropped": True, "detail": "dropped from its key cache",
                                   "holds_until": None}


@pytest.mark.parametrize("answer, said", [
    (Response(401, {"error": {"message": "Authentication Error", "type": "auth_error"}}),
     "refused the admin key (401 auth_error)"),
    (Response(403, {"detail": "not an admin"}), "refused the admin key (403)"),
    (Response(404, {"error": {"message": "Key not found"}}),
     "answered 404: the key is no longer in the database, so the replica cannot drop it"),
    (Response(500, {"error": {"message": "db " + "x" * 400}}), "answered 500: db " + "x" * 157),  # 160 characters of it
    (Response(502, b"<html>bad gateway</html>", {"content-type": "text/html"}), "answered 502"),
])
def test_each_answer_that_is_not_a_drop_says_why(answer, said):
    """Stops at the first token a replica does not drop; the replica is named with when its
    cache lets go of the key at the latest (60 s, LiteLLM's default)."""
    server, seen = _replica({TOKENS[0]: answer})
    with server as url:
        (result,) = evict.evict([url], ADMIN, TOKENS, now=NOW)
    assert result == evict.Eviction(url, False, said, NOW + timedelta(seconds=60))
    assert len(seen) == 1  # the second token is not asked once the first failed
    assert result.to_dict()["holds_until"] == "2026-12-06T12:01:00Z"


def test_a_later_token_not_dropped_is_not_a_drop():
    server, seen = _replica({TOKENS[1]: Response(404, {})})
    with server as url:
        (result,) = evict.evict([url], ADMIN, TOKENS, now=NOW)
    assert not result.dropped and len(seen) == 2


def test_a_replica_not_reached_or_silent_is_named():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    silent, _ = _replica({TOKENS[0]: Response(hang=True)})
    with silent as hung:
        down, slow = evict.evict([closed, hung], ADMIN, TOKENS[:1], now=NOW, timeout=0.5)
    assert down == evict.Eviction(closed, False, "not reached (connection refused)", NOW + timedelta(seconds=60))
    assert slow.detail == "no answer within 0.5s" and not slow.dropped


def test_nothing_to_do_is_nothing():
    server, seen = _replica({})
    with server as url:
        assert evict.evict([], ADMIN, TOKENS) == [] and evict.evict([url], ADMIN, []) == []
    assert seen == []


@pytest.mark.parametrize("command, code", [(("keys", "revoke", "app"), 2), (("probe", "--gateway"), 3)])
def test_a_gateway_url_with_a_password_is_refused_before_anything_is_sent(cli, tmp_path, monkeypatch,
                                                                          command, code):
    """httpx would send user:password as 'Authorization: Basic' in place of the Bearer key (seen:
    the replica got 'Basic b3BzOnB3' and no admin key); refused, the password never echoed."""
    from tests.conftest import assert_one_line_error

    server, seen = _replica({})
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_ADMIN_KEY", ADMIN)
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", ADMIN)
    db = f"sqlite:///{tmp_path}/k.db"
    assert cli("--db", db, "keys", "create", "app", "--create").code == 0
    with server as url:
        result = cli("--db", db, "--gateway-url", url.replace("http://", "http://ops:s3cretpw@"), *command,
                     *(("-o", "json") if command[0] == "probe" else ()))
    assert result.code == code, result.text
    assert "carries credentials" in result.err and "s3cretpw" not in result.text
    if command[0] == "keys":
        assert_one_line_error(result)
        assert cli("--db", db, "keys", "show", "app", "-o", "json").out.count('"active"') == 1  # unchanged
    assert seen == []


def test_settled_counts_the_cache_from_the_database_change():
    kept = evict.Eviction("http://a", False, "not reached", NOW)
    dropped = evict.Eviction("http://b", True, "dropped from its key cache")
    later = NOW + timedelta(seconds=5)
    assert evict.settled([kept, dropped], later) == [
        evict.Eviction("http://a", False, "not reached", later + timedelta(seconds=60)), dropped]
    assert (evict.CACHE_TTL_S, evict.ADMIN_KEY) == (60, "gateway-admin-key")
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        kept.dropped = True  # type: ignore[misc]  # a replica's answer is what it was


def test_the_admin_key_goes_to_the_named_replica_only(monkeypatch):
    """Never through a proxy of the environment, never after a redirect to somewhere else; a
    trailing slash in the replica's URL changes nothing."""
    elsewhere, seen_elsewhere = _replica({})
    with elsewhere as other:
        redirect, _ = _replica({TOKENS[0]: Response(307, b"", {"location": other + "/key/block"})})
        with redirect as url:
            (moved,) = evict.evict([url], ADMIN, TOKENS[:1], now=NOW)
    assert not moved.dropped and moved.detail == "answered 307" and seen_elsewhere == []
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server, seen = _replica({})
    with server as url:
        (result,) = evict.evict([url + "/"], ADMIN, TOKENS[:1], now=NOW)
    assert result.dropped and [r.path for r in seen] == ["/key/block"]


def test_each_replica_has_the_timeout_for_each_token():
    """Two tokens, each answered in 0.3 s, a 0.5 s timeout: within the replica's 1 s."""
    server, seen = _replica({t: Response(200, {"blocked": True}, delay_s=0.3) for t in TOKENS})
    with server as url:
        (result,) = evict.evict([url], ADMIN, TOKENS, now=NOW, timeout=0.5)
    assert result.dropped and len(seen) == 2
