"""Recorded provider answers as the real LiteLLM proxy relays them (tests/recorded/litellm-relayed/,
scripts/capture-litellm-relays): each is read as the cloud-first passthrough's answer, and as a
gateway hop's, and must say what the provider answer it relays says, on 1.80.0, 1.85.0 and
1.108.7. Where LiteLLM's wrapping loses the cause, RELAY_LOSES says what is left and why.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from aspirectl.catalog.model import Protocol as WireProtocol
from aspirectl.litellm import errors
from aspirectl.litellm.releases import SUPPORTED
from aspirectl.probe.adapter import adapter_for
from aspirectl.probe.outcomes import Facts
from aspirectl.probe.protocols.litellm import embedded_cause
from aspirectl.probe.runner import read_answer
from tests import pgutil
from tests.test_recorded import LITELLM_TARGET

RECORDED = Path(__file__).parent / "recorded"
RELAYED = sorted((RECORDED / "litellm-relayed").glob("*.json"))

# the relayed answer's file stem -> (what aspirectl reads, why): 1.80.0 and 1.108.7 keep only
# "Error code: 400" of a FastAPI `detail` body (the ChatGPT backend's; 1.85.0 keeps the body):
# the words are gone and the class BadRequestError is all that is left. The codex answers'
# own outcome is bad_request, except the ChatGPT plan's refusal of a model (forbidden), which
# through those two releases can only read as a rejected request.
_DETAIL_BODIES = ("codex-instructions-not-valid", "codex-instructions-required", "codex-model-not-for-chatgpt-account")
RELAY_LOSES: dict[str, tuple[str, str]] = {
    f"{release}-{stem}@{provider}": ("bad_request", "the detail's words are dropped")
    for release in ("1.80.0", "1.108.7") for stem in _DETAIL_BODIES for provider in ("openai", "dashscope")
}


def _case(path: Path) -> dict:
    case = json.loads(path.read_text())
    assert case["source"].startswith(f"captured from LiteLLM {case['release']} on loopback"), path.name
    return case


def _relayed_truth(case: dict) -> str:
    return json.loads((RECORDED / case["relays"]).read_text())["outcome"]


def test_every_release_relays_every_recorded_answer_a_litellm_provider_speaks():
    by_release: dict[str, set[str]] = {}
    for path in RELAYED:
        case = _case(path)
        by_release.setdefault(case["release"], set()).add(f"{case['relays']}@{case['provider']}")
    assert set(by_release) == set(SUPPORTED)
    first = next(iter(by_release.values()))
    assert all(found == first for found in by_release.values()), "each release relays the same answers"
    relayed = {name.split("@")[0] for name in first}
    sources = {f"providers/{p.name}" for p in (RECORDED / "providers").glob("*.json")
               if json.loads(p.read_text())["protocol"] in ("anthropic", "openai", "gemini")}
    sources |= {f"relay-sources/{p.name}" for p in (RECORDED / "relay-sources").glob("*.json")}
    assert relayed == sources, sorted(relayed ^ sources)


@pytest.mark.parametrize("path", RELAYED, ids=lambda p: p.stem)
def test_a_relayed_answer_says_what_the_provider_said(path):
    case = _case(path)
    adapter = adapter_for(WireProtocol.LITELLM)
    target = replace(LITELLM_TARGET, canary=True)
    step = next(s for s in adapter.steps(target) if s.name == "canary")
    facts = Facts(status=case["status"], headers={}, body=case["body"], text=json.dumps(case["body"]))
    verdict = read_answer(adapter, step, facts, target, {}, 1 << 20)
    assert verdict is not None
    key = path.stem
    expected = RELAY_LOSES[key][0] if key in RELAY_LOSES else _relayed_truth(case)
    assert verdict.outcome.value == expected, (verdict.outcome, verdict.detail)
    # and a gateway hop reads the same answer alike (the gateway protocol reads LiteLLM's wrapping)
    assert embedded_cause(case["body"]["error"]["message"]) is not None or key in RELAY_LOSES


def test_the_losses_are_real_losses():
    """Every declared loss is still one: the relayed answer keeps none of the provider's words."""
    assert set(RELAY_LOSES) <= {p.stem for p in RELAYED}
    for path in RELAYED:
        if path.stem in RELAY_LOSES:
            case = _case(path)
            provider = json.loads((RECORDED / case["relays"]).read_text())
            assert provider["operator_sees"] not in case["body"]["error"]["message"], path.name


@pytest.mark.parametrize("release", list(SUPPORTED))
def test_every_provider_litellm_knows_is_a_known_prefix(release):
    """LiteLLM's own provider list, and the literal prefixes its exception mapping writes, at each
    release: every one is read as a wrapped provider error (errors.PROVIDERS is not a guess)."""
    python = pgutil.CI_CACHE / f"litellm-{release}" / "bin" / "python"
    script = ("import litellm, re, pathlib, json\n"
              "names = sorted({getattr(p, 'value', p) for p in litellm.provider_list})\n"
              "src = (pathlib.Path(litellm.__file__).parent / 'litellm_core_utils' / "
              "'exception_mapping_utils.py').read_text()\n"
              "literals = sorted(set(re.findall(r'\"([A-Za-z]+) ?Exception - ', src)))\n"
              "print(json.dumps([names, literals]))\n")
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=120, check=True)
    names, literals = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(names) > 90 and "dashscope" in names and len(literals) >= 10
    missing = [n for n in names if n not in errors.PROVIDERS]
    assert not missing, missing
    for name in [*names, *literals]:
        prefix = (name[0].upper() + name[1:]) if name != "openai" else "OpenAI"
        assert errors.find_provider(f"litellm.BadRequestError: {prefix}Exception - x") is not None, name
    assert errors.find_provider("litellm.BadRequestError: Mystery Exception - x") is None


@pytest.mark.parametrize(("relay", "upstream", "retry_after"), [
    ("anthropic-api-sdk-ramp-limit@anthropic", "anthropic-api", 30.0),  # Anthropic's retry-after
])
def test_through_the_gateway_the_providers_relayed_headers_are_read_by_its_own_module(relay, upstream,
                                                                                       retry_after):
    """1.108.7 passes the provider's headers on with an error (llm_provider-*, recorded); the
    provider's own rules read the wrapped error with them, as if it had been asked directly.
    1.80.0 and 1.85.0 pass none on: the hop says its rate-limit headers are not relayed."""
    from tests.test_recorded import _BY_UPSTREAM

    target = replace(_BY_UPSTREAM[upstream], canary=True, via="http://127.0.0.1:4000", credential="sk-gateway")
    adapter = _gateway_adapter(target)
    hop = next(s for s in adapter.steps(target) if s.name == "hop")
    seen = {}
    for release in SUPPORTED:
        case = _case(RECORDED / "litellm-relayed" / f"{release}-{relay}.json")
        facts = Facts(status=case["status"], headers=dict(case.get("headers", {})), body=case["body"],
                      text=json.dumps(case["body"]))
        verdict = read_answer(adapter, hop, facts, target, {}, 1 << 20)
        assert verdict is not None and verdict.facts is not None
        assert verdict.detail.startswith("usage growing faster than the ramp limit allows (behind the gateway): "), \
            verdict.detail
        seen[release] = (verdict.outcome.value, verdict.facts.retry_after_s,
                         verdict.detail.endswith("(the provider's rate-limit headers are not relayed by this "
                                                 "gateway's release)"))
    assert seen == {"1.80.0": ("rate_limited", None, True), "1.85.0": ("rate_limited", None, True),
                    "1.108.7": ("rate_limited", retry_after, False)}


def _gateway_adapter(target):
    from aspirectl.probe.adapter import adapter_for_target

    return adapter_for_target(target)


# str() of each LiteLLM exception class, as LiteLLM's own code writes it (run in each release)
_EXCEPTIONS = """
import inspect, json, httpx, litellm.exceptions as X
fill = {"response": httpx.Response(403, request=httpx.Request("POST", "http://x")),
        "message": "words from behind", "model": "m", "llm_provider": "openai", "status_code": 500,
        "current_cost": 1.0, "max_budget": 0.5}
out = {}
for name in NAMES:
    cls = getattr(X, name)
    params = inspect.signature(cls.__init__).parameters
    out[name] = str(cls(**{k: fill[k] for k, p in params.items() if k in fill and p.default is p.empty}))
print(json.dumps(out))
"""
# What each class means (LiteLLM's exception mapping: the status it stands for, written here
# from its docs) and the words the operator reads first for it (read once when written)
MEANS = {"RateLimitError": ("rate_limited", "rate limited behind the passthrough"),
         "AuthenticationError": ("auth_invalid", "the passthrough's own upstream key is rejected"),
         "PermissionDeniedError": ("forbidden", "not allowed behind the passthrough"),
         "NotFoundError": ("model_not_found", "the model is unknown behind the passthrough"),
         "ServiceUnavailableError": ("overloaded", "the upstream behind the passthrough is unavailable"),
         "InternalServerError": ("upstream_error", "the upstream behind the passthrough failed"),
         "BadGatewayError": ("upstream_error", "the upstream behind the passthrough failed"),
         "APIError": ("upstream_error", "the upstream behind the passthrough failed"),
         "Timeout": ("timeout", "the passthrough's upstream timed out"),
         "APIConnectionError": ("unreachable", "the passthrough cannot reach its upstream"),
         "BudgetExceededError": ("billing", "budget exceeded on the passthrough"),
         "ContextWindowExceededError": ("bad_request", "request rejected behind the passthrough"),
         "BadRequestError": ("bad_request", "request rejected behind the passthrough")}


@pytest.mark.parametrize("release", list(SUPPORTED))
def test_every_litellm_exception_reads_as_what_it_means_on_every_release(release):
    python = pgutil.CI_CACHE / f"litellm-{release}" / "bin" / "python"
    assert python.exists(), f"no LiteLLM {release}: scripts/test installs it"
    script = f"NAMES = {sorted(MEANS)!r}\n" + _EXCEPTIONS
    run = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    written = json.loads(run.stdout.strip().splitlines()[-1])
    read = {}
    for name, text in written.items():
        cause = embedded_cause(text)
        read[name] = (cause.outcome.value, cause.label) if cause else None
    assert read == MEANS, {n: (written[n], read[n]) for n in MEANS if read[n] != MEANS[n]}
