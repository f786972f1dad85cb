"""A running LiteLLM config compared with the catalog: every difference, one line each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aspirectl.catalog.model import AuthScheme, Catalog
from aspirectl.errors import ConfigError
from aspirectl.gateway.export import litellm_config
from aspirectl.litellm.naming import alias_of, split_fallback
from aspirectl.secrets.redact import redact
from aspirectl.textsafe import one_line


def _load(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The config and its duplicate keys (PyYAML, and so LiteLLM, silently keeps the last)."""
    from aspirectl.catalog.yamlsource import load_yaml

    document, problems = load_yaml(path)
    duplicates = [f"{path.name}:{p.line}: {p.message}: LiteLLM uses the last one" for p in problems
                  if p.message.startswith("duplicate key")]
    unreadable = [p for p in problems if not p.message.startswith("duplicate key")]
    if unreadable:
        first = unreadable[0]
        raise ConfigError(f"{path}:{first.line}: {first.message}", hint=first.hint)
    if not isinstance(document, dict) or not isinstance(document.get("model_list"), list):
        raise ConfigError(f"{path} is not a LiteLLM config (no model_list)")
    return document, duplicates


# litellm_params that decide where a request goes or what credential it carries.
ROUTING_PARAMS = ("model", "api_base", "base_url", "api_key", "extra_headers", "api_version",
                  "custom_llm_provider", "organization", "vertex_project", "vertex_location",
                  "aws_region_name", "headers")


def _shown(field: str, value: Any) -> str:
    """A config value for a message: credential references by name, literal secrets masked."""
    if value is None:
        return "(not set)"
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    if field in ("api_key", "extra_headers", "headers") and "os.environ/" not in text:
        return "a literal value (a credential written into the config)" if field == "api_key" else \
            redact(one_line(text, 200))
    return redact(one_line(text, 200))


def _deployments(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """deployment id (model_info.id, else 'GROUP [MODEL]') -> its litellm_params."""
    out: dict[str, dict[str, Any]] = {}
    for entry in document.get("model_list") or []:
        if not isinstance(entry, dict):
            continue
        raw_params, raw_info = entry.get("litellm_params"), entry.get("model_info")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
        ident = str(info.get("id") or f"{entry.get('model_name')} [{params.get('model')}]")
        out[ident] = params
    return out


# Fields a running gateway shows resolved (the secret itself: 1.80.0's /v1/model/info returns
# extra_headers with the OAuth Bearer in clear, recorded) or not at all: compared live by the
# names of the headers they set, never by value, and never shown.
CREDENTIAL_PARAMS = ("api_key", "extra_headers", "headers")


def _header_names(value: Any) -> list[str]:
    return sorted(str(k).lower() for k in value) if isinstance(value, dict) else []


def _compare_params(have: dict[str, dict[str, Any]], want: dict[str, dict[str, Any]],
                    live: bool = False) -> list[str]:
    diffs: list[str] = []
    for ident, wanted in want.items():
        running = have.get(ident)
        if running is None:
            continue  # reported as a missing alias or hop
        for field in ROUTING_PARAMS:
            got, expect = running.get(field), wanted.get(field)
            if live and field in CREDENTIAL_PARAMS:
                if field != "api_key" and _header_names(got) != _header_names(expect):
                    diffs.append(f"deployment {ident}: {field} sets {_header_names(got) or 'no header'} on "
                                 f"the gateway, the chains say {_header_names(expect) or 'no header'}")
                continue
            if got != expect:
                diffs.append(f"deployment {ident}: {field} is {_shown(field, got)} in the config, "
                             f"the chains say {_shown(field, expect)}")
    return diffs


def _groups(document: dict[str, Any]) -> dict[str, list[str]]:
    """model group -> the upstream model strings of its deployments."""
    groups: dict[str, list[str]] = {}
    for entry in document.get("model_list") or []:
        if isinstance(entry, dict) and entry.get("model_name"):
            model = str((entry.get("litellm_params") or {}).get("model", "?"))
            groups.setdefault(str(entry["model_name"]), []).append(model)
    return groups


def _fallbacks(document: dict[str, Any]) -> dict[str, list[str]]:
    settings = document.get("router_settings") or document.get("litellm_settings") or {}
    out: dict[str, list[str]] = {}
    for entry in settings.get("fallbacks") or []:
        if isinstance(entry, dict):
            for group, targets in entry.items():
                out[str(group)] = [str(t) for t in (targets or [])]
    return out


def _family_of(catalog: Catalog, group: str) -> str | None:
    """The family of the chain a group serves (a fallback copy ``A>B@U`` serves B's)."""
    alias = alias_of(group)
    return catalog.aliases[alias].family if alias in catalog.aliases else None


def compare_config(catalog: Catalog, path: Path, target: str | None = None) -> list[str]:
    running, diffs = _load(path)
    return diffs + compare_document(catalog, running, target)


def compare_document(catalog: Catalog, running: dict[str, Any], target: str | None = None,
                     live: bool = False) -> list[str]:
    """Every difference between a LiteLLM config (a file, or what a running gateway shows of
    its own: ``live``) and the export of the chains for release ``target``."""
    from aspirectl.gateway.export import native_oauth
    from aspirectl.litellm.releases import DEFAULT_TARGET, NATIVE_OAUTH_SINCE

    diffs: list[str] = []
    wanted, _ = litellm_config(catalog, target)
    release = target or DEFAULT_TARGET
    for ident, params in _deployments(running).items():
        found = params.get("extra_headers")
        headers: dict[str, Any] = found if isinstance(found, dict) else {}
        bearer = any(str(k).lower() == "authorization" for k in headers)
        if bearer and str(params.get("model", "")).startswith("anthropic/") and native_oauth(target):
            diffs.append(f"deployment {ident}: extra_headers carries an Authorization Bearer, and LiteLLM "
                         f"{release} (>= {NATIVE_OAUTH_SINCE}) sends the OAuth token as a Bearer itself: "
                         "the upstream gets two, answers 401, and the router serves the paid fallback "
                         f"(re-export with --litellm-version {release})")
        upstream = catalog.upstreams.get(ident.rpartition("@")[2])
        oauth = upstream is not None and upstream.auth.scheme is AuthScheme.OAUTH_BEARER
        if oauth and not bearer and str(params.get("model", "")).startswith("anthropic/") \
                and not native_oauth(target):
            diffs.append(f"deployment {ident}: no Authorization Bearer in extra_headers, and LiteLLM "
                         f"{release} (< {NATIVE_OAUTH_SINCE}) sends the OAuth token as x-api-key: the OAuth "
                         "hop answers 401 and every Claude alias is billed to the paid API (an export for "
                         f"a later release; re-export with --litellm-version {release})")
    have, want = _groups(running), _groups(wanted)
    for group in want:
        if group not in have:
            copy = split_fallback(group)[0] is not None
            what = "fallback copy" if copy else "hop" if "@" in group else "alias"
            diffs.append(f"missing {what} {group}: the chains serve it, the config does not")
        elif sorted(have[group]) != sorted(want[group]):
            diffs.append(f"{group}: config calls {', '.join(have[group])}, "
                         f"the chains say {', '.join(want[group])}")
    for group in have:
        if group not in want:
            diffs.append(f"extra model group {group}: in the config, not in the chains")
    have_fb, want_fb = _fallbacks(running), _fallbacks(wanted)
    for group in sorted(set(have_fb) | set(want_fb)):
        got, expect = have_fb.get(group, []), want_fb.get(group, [])
        if got == expect:
            continue
        family = _family_of(catalog, group)
        undeclared = [t for t in got if t not in expect]
        declared = {alias_of(t) for t in expect}
        for target in undeclared:
            if alias_of(target) in declared:  # the chains' own fallback, another release's form
                diffs.append(f"fallback {group} -> {target}: the declared fallback to {alias_of(target)} as "
                             f"an export for another LiteLLM release names it (re-export for {release})")
                continue
            crossing = _family_of(catalog, target)
            kind = (f"crosses from family {family} into {crossing}: a silent vendor fallback"
                    if family and crossing and family != crossing else "not in the chains")
            diffs.append(f"undeclared fallback {group} -> {target} ({kind})")
        if set(got) == set(expect):
            diffs.append(f"fallback order of {group}: config {got}, the chains {expect}")
        else:
            for target in (t for t in expect if t not in got):
                diffs.append(f"fallback {group} -> {target} is missing from the config")
    diffs.extend(_compare_params(_deployments(running), _deployments(wanted), live))
    found = running.get("router_settings")
    settings: dict[str, Any] = found if isinstance(found, dict) else {}
    retries = settings.get("num_retries", 2)
    if not isinstance(retries, int) or retries > 0:
        diffs.append(f"router_settings.num_retries is {settings.get('num_retries', 2)} (LiteLLM's default "
                     "is 2): retries hide a failing first hop")
    return diffs
