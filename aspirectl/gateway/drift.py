"""A running LiteLLM config compared with the catalog: every difference, one line each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aspirectl.catalog.model import Catalog
from aspirectl.errors import ConfigError
from aspirectl.gateway.export import litellm_config


def _load(path: Path) -> dict[str, Any]:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("model_list"), list):
        raise ConfigError(f"{path} is not a LiteLLM config (no model_list)")
    return document


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
    alias = group.split("@", 1)[0]
    return catalog.aliases[alias].family if alias in catalog.aliases else None


def compare_config(catalog: Catalog, path: Path) -> list[str]:
    running = _load(path)
    wanted, _ = litellm_config(catalog)
    have, want = _groups(running), _groups(wanted)
    diffs: list[str] = []
    for group in want:
        if group not in have:
            what = "alias" if "@" not in group else "hop"
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
        for target in undeclared:
            crossing = _family_of(catalog, target)
            kind = (f"crosses from family {family} into {crossing}: a silent vendor fallback"
                    if family and crossing and family != crossing else "not in the chains")
            diffs.append(f"undeclared fallback {group} -> {target} ({kind})")
        if set(got) == set(expect):
            diffs.append(f"fallback order of {group}: config {got}, the chains {expect}")
        else:
            for target in (t for t in expect if t not in got):
                diffs.append(f"fallback {group} -> {target} is missing from the config")
    settings = running.get("router_settings") or {}
    if int(settings.get("num_retries", 2) or 0) > 0:
        diffs.append(f"router_settings.num_retries is {settings.get('num_retries', 2)} (LiteLLM's default "
                     "is 2): retries hide a failing first hop")
    return diffs
