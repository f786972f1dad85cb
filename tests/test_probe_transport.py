"""Upstreams that misbehave below HTTP: classified, bounded in time, never a traceback."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from aspirectl.probe.outcomes import Outcome
from aspirectl.sandbox.catalogue import Behaviour
from aspirectl.status import Health
from tests.sandboxing import hop, probe_box, probe_scenario, running, scenario

CASES = [
    # transport, expected outcome, detail text
    ("refused", Outcome.UNREACHABLE, "connection refused"),
    ("hang", Outcome.TIMEOUT, "no complete answer within 1s"),
    ("drip", Outcome.TIMEOUT, "no complete answer within 1s"),
    ("reset", Outcome.UNREACHABLE, "connection"),
    ("huge", Outcome.UPSTREAM_ERROR, "answer larger than"),
    ("invalid-json", Outcome.DEGRADED, "not JSON"),
    ("tls", Outcome.UNREACHABLE, "TLS handshake failed"),
]


@pytest.mark.parametrize(("transport", "expected", "text"), CASES, ids=[c[0] for c in CASES])
def test_transport_faults_are_classified_and_bounded(transport, expected, text):
    started = time.monotonic()
    assessment = probe_scenario(scenario(openai_api=Behaviour(transport=transport)), ["gpt-5.5"],
                                timeout=1.0, deadline=3.0)
    elapsed = time.monotonic() - started
    result = hop(assessment, "gpt-5.5", "openai-api")
    assert result.outcome is expected, result.detail
    assert text in result.detail
    # Bounded, not timed: without the per-hop timeout a drip or a hang lasts until the 3 s
    # deadline or far longer. How fast the bound is, is benchmarks/probe.py's to measure.
    assert elapsed < 3.0, elapsed


def test_tcp_accepted_but_no_answer_is_timeout_not_unreachable():
    """A listener that accepts and says nothing (not even HTTP) vs a refused port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        try:
            while True:
                conn, _ = listener.accept()
                accepted.append(conn)
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    try:
        with running("all-up") as box:
            catalog = box.sandbox_catalog()
            silent = catalog.upstreams["openai-api"]._replace(base_url=f"http://127.0.0.1:{port}/v1")
            box.sandbox_catalog = lambda: catalog._replace(  # type: ignore[method-assign]
                upstreams={**catalog.upstreams, "openai-api": silent})
            assessment = probe_box(box, ["gpt-5.5"], timeout=0.5, deadline=2)
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
    result = hop(assessment, "gpt-5.5", "openai-api")
    assert result.outcome is Outcome.TIMEOUT
    shim = hop(probe_scenario("seed", ["gpt-5.5"]), "gpt-5.5", "codex-shim")
    assert shim.outcome is Outcome.UNREACHABLE and "connection refused" in shim.detail


def test_global_deadline_cuts_hung_hops_and_the_run_still_reports():
    started = time.monotonic()
    scn = scenario(anthropic_api=Behaviour(transport="hang"), openai_api=Behaviour(transport="drip"))
    assessment = probe_scenario(scn, ["claude-haiku-4-5", "gpt-5.5", "qwen-3.6"], timeout=10.0,
                                deadline=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 5.0, elapsed  # the hung hop alone would hold it 10 s (its timeout)
    cut = hop(assessment, "claude-haiku-4-5", "anthropic-api")
    assert cut.outcome is Outcome.TIMEOUT and "global deadline of 1s reached" in cut.detail
    assert hop(assessment, "qwen-3.6", "cloud-first-litellm").outcome is Outcome.OK
    assert assessment.report.deadline_hit
    # The served aliases are fine, but overrunning the deadline is the check's own failure.
    assert assessment.status is Health.UNKNOWN


def test_hung_scenario_everything_times_out_within_the_timeout():
    started = time.monotonic()
    assessment = probe_scenario("hung", ["gpt-5.5", "claude-haiku-4-5"], timeout=1.0, deadline=5.0)
    assert time.monotonic() - started < 4.0  # cut by the 1 s timeout, not by the 5 s deadline
    assert {r.outcome for r in assessment.report.results} <= {Outcome.TIMEOUT, Outcome.UNREACHABLE}
    assert assessment.status is Health.CRITICAL


def test_slow_drip_scenario_is_bounded():
    started = time.monotonic()
    assessment = probe_scenario("slow-drip", ["qwen-3.6"], timeout=1.0, deadline=5.0)
    assert time.monotonic() - started < 4.0  # cut by the 1 s timeout, not by the 5 s deadline
    assert hop(assessment, "qwen-3.6", "cloud-first-litellm").outcome is Outcome.TIMEOUT
