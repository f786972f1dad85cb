"""FLEET.yaml: per-agent keys for a fleet (the OpenClaw agents sharing one LITELLM_API_KEY).

    fleet: openclaw
    defaults: {models: [claude, gpt-5.5], expires: 90d, budget: 25, rpm: 60, metadata: {fleet: openclaw}}
    save: {dir: keys/openclaw, var: LITELLM_API_KEY}      # or {keyring: true}
    consumers:
      - openclaw-agent-01
      - {name: openclaw-agent-02, models: [qwen-3.6]}
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aspirectl.catalog.checking import FileContext, Schema
from aspirectl.catalog.model import Catalog
from aspirectl.catalog.problems import CatalogInvalid, Problem
from aspirectl.catalog.yamlsource import key_line, line_of, load_yaml
from aspirectl.errors import UsageError, did_you_mean
from aspirectl.keys.store import CONSUMER_RE, KeySpec

TOP: Schema = {"fleet": (str, False), "defaults": (dict, False), "save": (dict, False),
               "consumers": (list, True)}
SPEC: Schema = {"models": (list, False), "expires": (str, False), "budget": ((int, float), False),
                "rpm": (int, False), "tpm": (int, False), "metadata": (dict, False)}
CONSUMER: Schema = {"name": (str, True), **SPEC}
SAVE: Schema = {"dir": (str, False), "var": (str, False), "keyring": (bool, False)}


@dataclass(frozen=True)
class Fleet:
    name: str
    members: list[tuple[str, KeySpec]]
    save_dir: Path | None
    save_var: str
    save_keyring: bool


def missing_fallback_groups(catalog: Catalog, models: list[str]) -> list[str]:
    """The later-hop and fallback groups a key with these models lacks for its aliases."""
    if not models:
        return []  # every model
    from aspirectl.gateway.export import walk
    from aspirectl.litellm.naming import group_name

    missing: list[str] = []
    for alias in (m for m in models if m in catalog.aliases):
        for served_alias, position, upstream in walk(catalog, alias):
            group = group_name(served_alias, position, upstream)
            if group not in models and group not in missing:
                missing.append(group)
    return missing


def resolve_models(catalog: Catalog, names: list[str]) -> tuple[str, ...]:
    """Aliases and families -> every model group a key needs for them, validated against the
    catalog ('*' means all): each alias, its later hops' groups (ALIAS@UPSTREAM, as chains
    export names them) and, through its declared fallback, the target's groups too. From
    LiteLLM 1.100 the router checks a key's access to each fallback group
    (enforce_fallback_model_access): a key holding only 'gpt-5.5' would get the first hop's
    error instead of its fallback."""
    if names == ["*"]:
        return ()
    if not names:
        raise UsageError("--models names no model",
                         hint="name aliases or families, e.g. --models claude,gpt-5.5; leave --models "
                              "out for every model")
    unknown = [n for n in names if n not in catalog.aliases and n not in catalog.families]
    if unknown:
        raise UsageError(f"unknown model '{unknown[0]}'",
                         hint=did_you_mean(unknown[0], catalog.names) or "name an alias or a family")
    from aspirectl.gateway.export import walk
    from aspirectl.litellm.naming import group_name

    groups: list[str] = []
    for alias in catalog.expand(names):
        for served_alias, position, upstream in walk(catalog, alias):
            group = group_name(served_alias, position, upstream)
            if group not in groups:
                groups.append(group)
    return tuple(groups)


def _spec(ctx: FileContext, raw: dict[str, Any], base: dict[str, Any], catalog: Catalog) -> KeySpec | None:
    from aspirectl.durations import parse_duration

    merged = {**base, **{k: v for k, v in raw.items() if k != "name"}}
    ok = True
    models: tuple[str, ...] = ()
    try:
        if merged.get("models") is not None:  # absent: every model
            models = resolve_models(catalog, [str(m) for m in merged["models"]])
    except UsageError as exc:
        ctx.add(key_line(raw, "models", key_line(base, "models", line_of(raw))), exc.message, exc.hint)
        ok = False
    expires = None
    if "expires" in merged:
        try:
            expires = parse_duration(str(merged["expires"]), "expires")
        except UsageError as exc:
            ctx.add(key_line(raw, "expires", key_line(base, "expires", line_of(raw))), exc.message, exc.hint)
            ok = False
    for field_name in ("budget", "rpm", "tpm"):
        value = merged.get(field_name)
        floor = 0 if field_name == "budget" else 1  # a budget of 0 is allowed, as in LiteLLM
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or value < floor):
            ctx.add(key_line(raw, field_name, key_line(base, field_name, line_of(raw))),
                    f"'{field_name}' must be {'0 or more' if floor == 0 else 'more than 0'}")
            ok = False
    if not ok:
        return None
    return KeySpec(models=models, expires_in=expires, max_budget=merged.get("budget"),
                   rpm_limit=merged.get("rpm"), tpm_limit=merged.get("tpm"),
                   metadata=dict(merged.get("metadata") or {}))


def load_fleet(path: Path, catalog: Catalog) -> Fleet:
    problems: list[Problem] = []
    ctx = FileContext(os.path.relpath(path) if not str(path).startswith("..") else str(path), problems)
    value, yaml_problems = load_yaml(path)
    for p in yaml_problems:
        ctx.add(p.line, p.message, p.hint)
    members: list[tuple[str, KeySpec]] = []
    save_dir, save_var, keyring = None, "LITELLM_API_KEY", False
    name = path.stem
    if value is not None and ctx.check(value, TOP, "fleet file"):
        name = str(value.get("fleet", name))
        defaults = value.get("defaults") or {}
        if defaults and not ctx.check(defaults, SPEC, "defaults"):
            defaults = {}
        save = value.get("save") or {}
        if save and ctx.check(save, SAVE, "save"):
            if save.get("dir"):
                save_dir = (path.parent / save["dir"]).resolve()
            save_var = str(save.get("var", save_var))
            keyring = bool(save.get("keyring", False))
            if keyring and save_dir:
                ctx.add(line_of(save), "save has both 'dir' and 'keyring: true'", "choose one")
        seen: dict[str, int] = {}
        for item, line in zip(value["consumers"], value["consumers"].lines, strict=True):
            raw = {"name": item} if isinstance(item, str) else item
            if not isinstance(item, str) and not ctx.check(item, CONSUMER, "a consumer"):
                continue
            consumer = str(raw["name"])
            if not CONSUMER_RE.fullmatch(consumer) or ".." in consumer:
                ctx.add(line, f"bad consumer name '{consumer}'",
                        "letters, digits and _ - / . @, 2-255 characters")
                continue
            if consumer in seen:
                ctx.add(line, f"consumer '{consumer}' listed twice (first at line {seen[consumer]})")
                continue
            seen[consumer] = line
            spec = _spec(ctx, raw if isinstance(raw, dict) else {}, defaults, catalog)
            if spec is not None:
                members.append((consumer, spec))
        if not value["consumers"]:
            ctx.add(key_line(value, "consumers"), "no consumers listed")
    if problems:
        raise CatalogInvalid(str(path), problems, what="fleet file", see="fix them all and re-run")
    return Fleet(name, members, save_dir, save_var, keyring)
