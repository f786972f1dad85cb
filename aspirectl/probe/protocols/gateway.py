"""One hop probed THROUGH the gateway (probe --via-gateway): the gateway's own LiteLLM, its
own credentials, the hop's own model group, fallbacks and retries off, so the answer is that
hop's and nobody else's.

The export names every hop's model group (hop 1 is the group named after the alias, hop N > 1
is ``ALIAS@UPSTREAM``; gateway/export.py); every deployment's ``model_info.id`` is
``ALIAS@UPSTREAM``, so ``x-litellm-model-id`` proves which hop answered. The request is the
smallest that proves a hop serves: a 1-token completion of "ping" (``max_tokens`` 1; LiteLLM
maps it for reasoning models), ``disable_fallbacks: true`` and ``num_retries: 0`` (both honoured
per request by LiteLLM's router), tagged ``aspirectl-probe`` in the spend logs.

An error is read as the gateway relays it: the proxy's own refusals of aspirectl's gateway key
(``errors.caller_refusal``: its key, its model access, its own budget and rate limit; a
problem of this machine's key, never the hop's), a hop group the gateway
does not have (the export is not deployed), else the provider error inside LiteLLM's wrapping,
read by the provider's own rules (``litellm.embedded_cause``), exactly as a direct probe would
read it. Where the release relays the provider's headers (``llm_provider-*``: 1.108.7, on
errors too), the provider's own rules read the wrapped error with them (its windows, resets and
retry-after: ``litellm.judge_canary``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from aspirectl.litellm.errors import CALLER_BUDGET, CALLER_KEY, CALLER_MODEL, CALLER_RATE, caller_refusal
from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Origin, Outcome, Verdict
from aspirectl.probe.protocols import litellm
from aspirectl.probe.protocols.openai import judge_completion


def _as_gateway(text: str) -> str:
    """The litellm module's words speak of a passthrough upstream; here LiteLLM is the gateway."""
    return text.replace("the passthrough", "the gateway")


# The gateway's own answers outside a hop's judgement (its liveliness while it drains) by the
# litellm module's rows, said of the gateway.
RULES = tuple(replace(r, label=_as_gateway(r.label)) for r in litellm.RULES)
PROBE_TAG = "aspirectl-probe"  # request_tags of every probe request in LiteLLM_SpendLogs
RELAYED_PREFIX = "llm_provider-"  # LiteLLM's prefix for the provider headers it passes on
# A model group the gateway does not serve (recorded: 400 "Invalid model name passed in
# model=..." on 1.80.0, 1.85.0 and 1.108.7, tests/recorded/litellm-refusals/*-unknown-model-*).
_UNKNOWN_GROUP = re.compile(r"Invalid model name")


def headers(target: ProbeTarget) -> dict[str, str]:
    return {"authorization": f"Bearer {target.credential}"}


def describe(facts: Facts) -> None:
    litellm.describe(facts)


def relayed_headers(facts: Facts) -> dict[str, str]:
    """The provider's own response headers as the gateway passed them on."""
    return {name[len(RELAYED_PREFIX):]: value for name, value in facts.headers.items()
            if name.startswith(RELAYED_PREFIX)}


def _local(outcome: Outcome, detail: str, facts: Facts) -> Verdict:
    """The gateway could not be asked about this hop: a problem of aspirectl's side (its key,
    the deployed export), never the hop's verdict."""
    return Verdict(outcome, detail, facts, origin=Origin.LOCAL)


def _judge(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    group = target.model
    hop = f"{target.alias}@{target.upstream.name}"
    if facts.status < 400:
        served = facts.header("x-litellm-model-id")
        if served and served != hop:
            return Verdict(Outcome.DEGRADED, f"the gateway answered from {served}, not {hop}: it did not "
                           "honour disable_fallbacks (this hop's own health is unknown)", facts)
        return judge_completion(facts, target, context)
    said = litellm.without_trace(facts.message)[:300]
    refusal = caller_refusal(facts.status, facts.error_type, facts.message)
    if refusal == CALLER_KEY:
        return _local(Outcome.AUTH_INVALID, f"the gateway refused aspirectl's gateway key ({facts.status} "
                      f"{facts.error_type}): {said}", facts)
    if refusal == CALLER_MODEL:
        return _local(Outcome.FORBIDDEN, f"the gateway key may not call the hop group '{group}' "
                      f"({facts.error_type}): run 'aspirectl keys create monitor --monitoring' for a key "
                      "that may call every hop group", facts)
    if refusal == CALLER_BUDGET:
        return _local(Outcome.BILLING, "aspirectl's gateway key has used its budget on the gateway "
                      f"({facts.status} {facts.error_type}): {said}; raise its max_budget, or make a new "
                      "monitoring key: aspirectl keys create NAME --monitoring --budget USD", facts)
    if refusal == CALLER_RATE:
        return _local(Outcome.RATE_LIMITED, f"aspirectl's gateway key hit its own rate limit on the gateway "
                      f"({facts.status}): {said}; probe less often, or make a monitoring key with a higher "
                      "limit: aspirectl keys create NAME --monitoring --rpm N", facts)
    if facts.status == 400 and _UNKNOWN_GROUP.search(facts.message):
        return _local(Outcome.MODEL_NOT_FOUND, f"the gateway has no model group '{group}': it does not run "
                      "the current export (aspirectl chains export --check its config.yaml)", facts)
    verdict = litellm.judge_canary(facts, target, context, relayed_headers(facts))
    if verdict is None:
        return None
    detail = _as_gateway(verdict.detail)
    if verdict.outcome in (Outcome.RATE_LIMITED, Outcome.QUOTA_EXHAUSTED) and not relayed_headers(facts):
        detail += " (the provider's rate-limit headers are not relayed by this gateway's release)"
    return Verdict(verdict.outcome, detail, verdict.facts, verdict.origin)


def request_body(target: ProbeTarget) -> dict[str, object]:
    return {"model": target.model, "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}],
            "disable_fallbacks": True, "num_retries": 0, "metadata": {"tags": [PROBE_TAG]}}


def steps(target: ProbeTarget) -> list[Step]:
    return [
        Step("liveliness", "GET", "/health/liveliness", "gateway alive", shared=True, auth=False),
        Step("hop", "POST", "/v1/chat/completions", "1-token answer through the gateway",
             json=request_body(target), judge=_judge,
             judged_statuses=frozenset(range(400, 600))),
    ]
