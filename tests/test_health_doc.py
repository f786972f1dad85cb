"""The probe document and its counts (aspirectl/health.py), from real probes of the sandbox:
every count is the decisions' own meaning counted once, and the document's members are the
ones docs/output.md promises (written from the mutants that survived the CLI tests)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aspirectl.sandbox.catalogue import Behaviour
from aspirectl.status import Health
from tests.sandboxing import probe_box, probe_scenario, running, scenario

ALIASES = ["gpt-5.5", "qwen-3.6-omni", "qwen-3.6", "claude-haiku-4-5", "gemini-2.5-pro"]


@pytest.fixture(scope="module")
def outage():
    return probe_scenario("outage", ALIASES)


@pytest.fixture(scope="module")
def seed():
    return probe_scenario("seed", ALIASES)


@pytest.fixture(scope="module")
def nothing_here():
    """No credential on this machine: every alias UNKNOWN."""
    with running("seed") as box:
        return probe_box(box, ALIASES, credentials={})


@pytest.fixture(scope="module")
def nearly_used():
    """The Claude subscription nearly used: its hop serves degraded."""
    return probe_scenario(scenario(anthropic_oauth=Behaviour(fault="nearly_exhausted")), ALIASES, deep=True)


def test_each_count_is_met_by_some_state(seed, outage, nothing_here, nearly_used):
    """(so that every count below is checked where it is not zero)"""
    states = [seed.counts(), outage.counts(), nothing_here.counts(), nearly_used.counts()]
    for name in ("ok", "warning", "critical", "unknown", "on_later_hop", "degraded", "failing"):
        assert any(c[name] for c in states), name


@pytest.mark.parametrize("which", ["seed", "outage", "nothing_here", "nearly_used"])
def test_every_count_is_the_decisions_counted_once(which, request):
    a = request.getfixturevalue(which)
    counts = a.counts()
    d = a.decisions
    assert counts == {
        "aliases": len(d),
        "ok": sum(x.status is Health.OK for x in d), "warning": sum(x.status is Health.WARNING for x in d),
        "critical": sum(x.status is Health.CRITICAL for x in d), "unknown": sum(x.status is Health.UNKNOWN for x in d),
        "on_later_hop": sum(bool(x.on_later_hop) for x in d), "degraded": sum(bool(x.degraded) for x in d),
        "failing": sum(bool(x.failing) for x in d), "hops": len(a.report.results),
        "hops_serving": sum(r.serves for r in a.report.results), "acknowledged": 0}
    assert counts["ok"] + counts["warning"] + counts["critical"] + counts["unknown"] == counts["aliases"] == 5


def test_the_outage_counts_what_fails(outage):
    counts = outage.counts()
    assert counts["critical"] >= 1 and counts["failing"] >= 1 and outage.status is Health.CRITICAL
    assert counts["critical"] == counts["failing"]


def test_the_document_says_schema_status_exit_code_and_summary(seed, outage):
    for a in (seed, outage):
        doc = a.to_dict()
        assert doc["schema"] == "aspirectl.probe/v1"
        assert doc["status"] == a.status.name and doc["exit_code"] == int(a.status)
        assert doc["summary"] == a.counts() and len(doc["aliases"]) == 5
        assert "gateway" not in doc and "replicas" not in doc and "acknowledgements" not in doc


def test_gateway_replicas_and_acknowledgements_appear_when_there_are_some(seed):
    class _Check:
        def __init__(self, name):
            self.name = name

        def to_dict(self):
            return {"replica": self.name}

    class _Ack:
        applied_to = ("gpt-5.5",)

        def to_dict(self):
            return {"subject": "gpt-5.5"}

    a = replace(seed, gateway=_Check("one"), replicas=(_Check("one"), _Check("two")), acknowledgements=(_Ack(),))
    doc = a.to_dict()
    assert doc["gateway"] == {"replica": "one"}
    assert doc["replicas"] == [{"replica": "one"}, {"replica": "two"}]
    assert doc["acknowledgements"] == [{"subject": "gpt-5.5"}]
    assert a.acknowledged == {"gpt-5.5": a.acknowledgements[0]} and a.counts()["acknowledged"] == 1
