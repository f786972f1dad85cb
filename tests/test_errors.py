"""Every command, given bad input, says one line on stderr with what to do next: no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import SHIPPED_CHAINS, assert_one_line_error

C = ("--chains", str(SHIPPED_CHAINS))
DB = ("--db", "sqlite:///{tmp}/k.db")

# (argv, exit code, text in the error line)
BAD = [
    ((), 0, None),  # bare command: help, exit 0
    (("frobnicate",), 2, "No such command 'frobnicate'"),
    (("--chains", "/nonexistent", "chains", "list"), 3, "chains directory not found: /nonexistent"),
    ((*C, "chains", "show", "claud"), 2, "unknown alias or family 'claud' (did you mean claude"),
    ((*C, "chains", "list", "-o", "csv"), 2, "output format 'csv' is not available here"),
    ((*C, "probe", "--timeout", "-1"), 3, "--timeout must be more than 0 seconds"),
    ((*C, "probe", "--deadline", "0"), 3, "--deadline must be more than 0 seconds"),
    ((*C, "probe", "--timeout", "soon"), 3, "Invalid value for '--timeout'"),
    ((*C, "probe", "-o", "xml"), 3, "output format 'xml' is not available here"),
    ((*C, "route", "qwen-36"), 2, "unknown alias 'qwen-36' (did you mean qwen-3.6"),
    ((*C, "route", "claude", "--offline"), 2, "unknown alias 'claude'"),
    ((*C, "demo", "--scenario", "nope"), 2, "unknown scenario 'nope'"),
    ((*C, "demo", "--timeout", "0"), 2, "--timeout must be more than 0"),
    ((*C, "sandbox", "--scenario", "nope"), 2, "unknown scenario 'nope'"),
    ((*C, *DB, "keys", "create", "a..b"), 2, "bad consumer name 'a..b'"),
    ((*C, *DB, "keys", "create", "postiz", "--rpm", "many"), 2, "Invalid value for '--rpm'"),
    ((*C, *DB, "keys", "show", "nobody"), 2, "unknown consumer 'nobody'"),
    ((*C, *DB, "keys", "rotate", "nobody"), 2, "unknown consumer 'nobody'"),
    ((*C, *DB, "keys", "revoke", "nobody"), 2, "unknown consumer 'nobody'"),
    ((*C, *DB, "keys", "delete", "nobody", "--yes"), 2, "unknown consumer 'nobody'"),
    ((*C, *DB, "keys", "scan", "/nonexistent/path"), 2, "no such file or directory: /nonexistent/path"),
    ((*C, *DB, "keys", "provision", "/nonexistent.yaml"), 3, "no such fleet file"),
    ((*C, "--db", "oracle://x/y", "keys", "list"), 3, "unsupported database URL scheme 'oracle'"),
    ((*C, "--db", "sqlite:////nonexistent/dir/keys.db", "keys", "list"), 3,
     "no SQLite database at sqlite /nonexistent/dir/keys.db"),
    ((*C, "--db", "sqlite:///{tmp}/typo.db", "keys", "create", "postiz"), 3, "pass --create"),
    ((*C, "secrets", "delete", "UPPER"), 2, "bad credential name 'UPPER'"),
    ((*C, "keys"), 0, None),
]


@pytest.mark.parametrize(("argv", "code", "text"), BAD, ids=[" ".join(b[0][2:]) or "bare" for b in BAD])
def test_bad_input_gives_one_helpful_line(cli, tmp_path, argv, code, text):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    from aspirectl.keys.db import open_database

    open_database(f"sqlite:///{tmp_path}/k.db", create=True).close()  # an existing key store
    result = cli(*argv)
    assert result.code == code, result.text
    assert "Traceback" not in result.text
    if text is None:
        assert "Usage:" in result.out or "Usage:" in result.err
        return
    lines = [ln for ln in result.err.splitlines() if not ln.startswith("database: ")]
    assert_one_line_error(result.__class__(result.code, result.out, "\n".join(lines)))
    assert text in result.err, result.err


def test_verbose_says_where_an_internal_error_came_from(cli, monkeypatch):
    import aspirectl.catalog.views as views

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(views, "chain_listing", broken)
    quiet = cli(*C, "chains", "list")
    assert quiet.code == 3
    assert_one_line_error(quiet)
    assert "internal error: ZeroDivisionError: boom" in quiet.err
    loud = cli("-v", *C, "chains", "list")
    assert "raised at" in loud.err and "test_errors.py" in loud.err and "in broken" in loud.err
    assert "Traceback" not in loud.err


def test_a_bug_in_a_probe_is_an_internal_error_not_a_timeout(cli, sandbox_chains, monkeypatch):
    import time

    import aspirectl.probe.protocols.litellm as litellm_protocol

    chains = sandbox_chains("all-up")
    monkeypatch.delattr(litellm_protocol, "headers")
    started = time.monotonic()
    result = cli("--chains", chains, "probe", "qwen-3.6", "--deadline", "10")
    assert time.monotonic() - started < 8  # not held until the 10 s deadline
    assert result.code == 3
    assert_one_line_error(result)
    assert "internal error: AttributeError" in result.err
