"""What the operator reads for each recorded answer, word for word: the rule's label, the code
and the provider's first line, as `verdict.detail` says it. tests/recorded/details.json holds
them (read once by a person when written, then a diff to read on every change); the label
is the first thing a person woken at night reads, so a changed word must be a decision.

    WRITE_RECORDED_DETAILS=1 pytest tests/test_recorded_details.py   # rewrites the file
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from aspirectl.catalog.model import Protocol
from aspirectl.probe.adapter import adapter_for
from aspirectl.probe.outcomes import Facts, classify
from aspirectl.probe.runner import read_answer
from tests.test_recorded import _BY_UPSTREAM, LITELLM_TARGET

RECORDED = Path(__file__).parent / "recorded"
DETAILS = RECORDED / "details.json"


def _provider(path: Path, upstream: str | None = None) -> str:
    case = json.loads(path.read_text())
    target = replace(_BY_UPSTREAM[upstream or case["upstream"]], canary=True)
    adapter = adapter_for(target.upstream.protocol)
    step = [s for s in adapter.steps(target) if s.method == "POST"][-1]
    facts = Facts(status=case["status"], headers=case.get("headers", {}), body=case["body"],
                  text=json.dumps(case["body"]))
    verdict = read_answer(adapter, step, facts, target, {}, 1 << 20)
    assert verdict is not None
    # which row of the protocol's table read it (a row whose condition broke while another row
    # with the same words still catches the answer moves the answer to that other row)
    described = Facts(status=case["status"], headers=case.get("headers", {}), body=case["body"],
                      text=json.dumps(case["body"]))
    adapter.describe(described)
    rule = classify(described, adapter.RULES)
    row = f"row {adapter.RULES.index(rule)}" if rule in adapter.RULES else "last resort"
    return f"{verdict.outcome.value} | {row} | {verdict.detail} | {_read(described)}"


def _read(facts: Facts) -> str:
    """What describe() read besides the words: type, code, reasons, delay, reset, request id
    (a reset at Google's next Pacific midnight is said so, as it moves with the clock)."""
    from aspirectl.probe.protocols.google_rpc import next_daily_reset

    reset = facts.reset_at
    shown = None if reset is None else ("next Pacific midnight" if reset == next_daily_reset() else
                                        reset.isoformat())
    return (f"type={facts.error_type} code={facts.error_code} reasons={list(facts.reasons)} "
            f"retry_after={facts.retry_after_s} reset={shown} id={facts.request_id}")


def _relayed(path: Path) -> str:
    case = json.loads(path.read_text())
    adapter = adapter_for(Protocol.LITELLM)
    target = replace(LITELLM_TARGET, canary=True)
    step = next(s for s in adapter.steps(target) if s.name == "canary")
    facts = Facts(status=case["status"], headers=dict(case.get("headers", {})), body=case["body"],
                  text=json.dumps(case["body"]))
    verdict = read_answer(adapter, step, facts, target, {}, 1 << 20)
    assert verdict is not None and verdict.facts is not None
    return f"{verdict.outcome.value} | {verdict.detail} | {_read(verdict.facts)}"


STEPS = {"POST /v1/chat/completions": "canary", "GET /v1/models": "models"}


def _proxy(path: Path) -> str | None:
    """The real proxy's own answers (its outages and its refusals), each read by the step of
    the probe that asks it; None for a readiness answer (tests/test_recorded.py reads those)."""
    case = json.loads(path.read_text())
    request = case["request"]
    name = "health" if request.startswith("GET /health?") else STEPS.get(request)
    if name is None:
        return None
    adapter = adapter_for(Protocol.LITELLM)
    target = replace(LITELLM_TARGET, model=case["model"], canary=True)
    step = next(s for s in adapter.steps(target) if s.name == name)
    facts = Facts(status=case["status"], headers=dict(case.get("headers", {})), body=case["body"],
                  text=json.dumps(case["body"]))
    verdict = read_answer(adapter, step, facts, target, {}, 1 << 20)
    if verdict is None:
        return "passes"
    return f"{verdict.outcome.value} | {verdict.detail} | {_read(verdict.facts or facts)}"


def _now() -> dict[str, str]:
    out = {f"providers/{p.stem}": _provider(p) for p in sorted((RECORDED / "providers").glob("*.json"))}
    # DashScope's own answers are OpenAI-compatible: read as an OpenAI upstream's
    out.update({f"relay-sources/{p.stem}": _provider(p, upstream="openai-api")
                for p in sorted((RECORDED / "relay-sources").glob("*.json"))})
    out.update({f"litellm-relayed/{p.stem}": _relayed(p)
                for p in sorted((RECORDED / "litellm-relayed").glob("*.json"))})
    for folder in ("litellm-proxy", "litellm-refusals"):
        for path in sorted((RECORDED / folder).glob("*.json")):
            read = _proxy(path)
            if read is not None:
                out[f"{folder}/{path.stem}"] = read
    return out


def test_every_recorded_answer_reads_as_it_was_read_when_written():
    now = _now()
    if os.environ.get("WRITE_RECORDED_DETAILS"):
        DETAILS.write_text(json.dumps(now, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    kept = json.loads(DETAILS.read_text())
    assert set(now) == set(kept), sorted(set(now) ^ set(kept))
    changed = {k: (kept[k], now[k]) for k in now if now[k] != kept[k]}
    assert not changed, json.dumps(changed, indent=1, ensure_ascii=False)
