"""chains/*.yaml -> Catalog, reporting every problem at once as ``file:line: message (hint)``."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aspirectl.catalog.checking import FileContext, Schema
from aspirectl.catalog.model import (
    Alias,
    Auth,
    AuthScheme,
    Billing,
    Catalog,
    DataPolicy,
    DeclaredState,
    DeclaredStatus,
    Egress,
    Fallback,
    Family,
    GatewayPolicy,
    Hop,
    Protocol,
    SensitivityPolicy,
    Source,
    Upstream,
)
from aspirectl.catalog.problems import CatalogInvalid, Problem
from aspirectl.catalog.yamlsource import key_line, line_of, load_yaml
from aspirectl.errors import ConfigError, did_you_mean

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*\Z")  # \Z: "$" would take a trailing newline
CREDENTIAL_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
END_OF_CHAIN = "fail-loudly"

TOP_UPSTREAMS: Schema = {"upstreams": (dict, True), "sensitivity": (dict, False), "gateway": (dict, False)}
TOP_FAMILY: Schema = {
    "family": (str, True),
    "title": (str, False),
    "note": (str, False),
    "aliases": ((list, dict), True),
    "hops": (list, True),
    "end": (str, False),
    "fallbacks": (dict, False),
}
UPSTREAM: Schema = {
    "title": (str, False),
    "protocol": (str, True),
    "base_url": (str, True),
    "auth": (dict, True),
    "billing": (str, True),
    "state": (dict, False),
    "note": (str, False),
    "data": (dict, False),
    "probe": (dict, False),
}
AUTH: Schema = {"scheme": (str, True), "credential": (str, False)}
STATE: Schema = {"status": (str, True), "since": ((date, str), False), "note": (str, False)}
DATA: Schema = {"retention": (str, False), "cleared_for": (list, False), "note": (str, False)}
PROBE: Schema = {"canary": (str, False)}
HOP: Schema = {"upstream": (str, True), "why": (str, False), "models": (dict, False), "state": (dict, False)}
ALIAS: Schema = {"note": (str, False)}
FALLBACK: Schema = {
    "alias": (str, True),
    "cross_family": (bool, False),
    "reason": (str, False),
    "advice": (str, False),
}
SENSITIVITY: Schema = {"enforced": (bool, False), "classes": (list, False), "note": (str, False)}
GATEWAY: Schema = {"replicas": (list, False), "egress": (str, False)}



def _parse_state(ctx: FileContext, raw: Any, where: str) -> DeclaredState | None:
    if not ctx.check(raw, STATE, where):
        return None
    status = ctx.enum(raw["status"], DeclaredStatus, key_line(raw, "status"), "state status")
    since = raw.get("since")
    if isinstance(since, str):
        try:
            since = date.fromisoformat(since)
        except ValueError:
            ctx.add(key_line(raw, "since"), f"bad date '{since}' in {where}", "use YYYY-MM-DD")
            return None
    if status is None:
        return None
    return DeclaredState(status=status, since=since, note=str(raw.get("note", "")).strip())


def _parse_gateway(ctx: FileContext, raw: dict[str, Any]) -> GatewayPolicy:
    """gateway: {replicas: [URL, ...], egress: direct|gateway-only}. Every replica's URL is
    checked as a base URL is (no credentials in it, no query)."""
    replicas: list[str] = []
    raw_replicas = raw.get("replicas") or []
    lines = getattr(raw_replicas, "lines", [key_line(raw, "replicas")] * len(raw_replicas))
    for item, line in zip(raw_replicas, lines, strict=True):
        if not isinstance(item, str):
            ctx.add(line, "a gateway replica must be a URL", "write '- http://gateway-1:4000'")
        elif _check_url(ctx, item, line, "gateway.replicas"):
            url = item.rstrip("/")
            if url in replicas:
                ctx.add(line, f"gateway replica '{url}' listed twice", "list each replica once")
            else:
                replicas.append(url)
    egress = Egress.DIRECT
    if "egress" in raw:
        egress = ctx.enum(raw["egress"], Egress, key_line(raw, "egress"), "egress") or Egress.DIRECT
    if egress is Egress.GATEWAY_ONLY and not replicas:
        ctx.add(key_line(raw, "egress"), "egress: gateway-only needs the gateway's URL",
                "list it under gateway.replicas")
    return GatewayPolicy(tuple(replicas), egress)


def _check_url(ctx: FileContext, url: str, line: int, where: str) -> bool:
    from aspirectl.secrets.redact import mask_url
    from aspirectl.textsafe import one_line

    parts = urlsplit(url)
    shown = one_line(mask_url(url), 200)  # a password written into the URL is never echoed
    if parts.scheme not in ("http", "https") or not parts.hostname:
        ctx.add(line, f"bad URL '{shown}' in {where}", "use http(s)://host[:port][/path]")
        return False
    try:
        _ = parts.port
    except ValueError:
        ctx.add(line, f"bad port in URL '{shown}' in {where}", "use a number from 1 to 65535")
        return False
    if parts.username or parts.password:
        ctx.add(line, f"URL '{shown}' in {where} carries credentials",
                "credentials belong in auth.credential, never in the URL")
        return False
    if parts.query or parts.fragment:
        ctx.add(line, f"URL '{one_line(parts._replace(query='', fragment='').geturl(), 200)}?...' in "
                f"{where} carries a query or fragment", "a base URL has neither (a key in a query "
                "string would be sent to every request)")
        return False
    return True


def _parse_upstream(ctx: FileContext, name: str, raw: Any, line: int) -> Upstream | None:
    where = f"upstream '{name}'"
    if not NAME_RE.match(name):
        ctx.add(line, f"bad upstream name '{name}'", "use lowercase letters, digits, '-', '.'")
    if not ctx.check(raw, UPSTREAM, where):
        return None
    protocol = ctx.enum(raw["protocol"], Protocol, key_line(raw, "protocol"), "protocol")
    billing = ctx.enum(raw["billing"], Billing, key_line(raw, "billing"), "billing class")
    url_ok = _check_url(ctx, raw["base_url"], key_line(raw, "base_url"), where)
    auth_raw = raw["auth"]
    auth = None
    if ctx.check(auth_raw, AUTH, f"auth of {where}"):
        scheme = ctx.enum(auth_raw["scheme"], AuthScheme, key_line(auth_raw, "scheme"), "auth scheme")
        credential = auth_raw.get("credential")
        if scheme is not None and scheme is not AuthScheme.NONE and not credential:
            ctx.add(line_of(auth_raw), f"{where} has no credential name",
                    "add 'credential: NAME' (the value lives in the env or keyring, never here)")
        elif credential and not CREDENTIAL_RE.match(credential):
            ctx.add(key_line(auth_raw, "credential"), f"bad credential name '{credential}'",
                    "use lowercase letters, digits and '-' (it names a secret, it is not one)")
        elif scheme is not None:
            auth = Auth(scheme=scheme, credential=credential or None)
    state = _parse_state(ctx, raw["state"], f"state of {where}") if "state" in raw else None
    data = DataPolicy()
    if "data" in raw and ctx.check(raw["data"], DATA, f"data of {where}"):
        d = raw["data"]
        data = DataPolicy(
            retention=str(d.get("retention", "provider-default")),
            cleared_for=tuple(str(c) for c in d.get("cleared_for", [])),
            note=str(d.get("note", "")).strip(),
        )
    canary = False
    if "probe" in raw and ctx.check(raw["probe"], PROBE, f"probe of {where}"):
        mode = raw["probe"].get("canary", "on-deep")
        if mode not in ("always", "on-deep"):
            ctx.add(key_line(raw["probe"], "canary"), f"bad probe.canary '{mode}' in {where}",
                    "use 'always' (only for $0 hops) or 'on-deep'")
        elif mode == "always" and billing is Billing.PAID:
            ctx.add(key_line(raw["probe"], "canary"),
                    f"{where} is paid but its default probe would spend tokens",
                    "use 'on-deep' for paid upstreams")
        canary = mode == "always"
    if None in (protocol, billing, auth) or not url_ok:
        return None
    return Upstream(
        name=name,
        title=str(raw.get("title", name)),
        protocol=protocol,
        base_url=raw["base_url"].rstrip("/"),
        auth=auth,  # type: ignore[arg-type]
        billing=billing,
        source=Source(ctx.name, line),
        state=state,
        note=str(raw.get("note", "")).strip(),
        data=data,
        canary=canary,
    )


@dataclass
class _RawFamily:
    ctx: FileContext
    raw: dict[str, Any]
    name: str
    aliases: list[tuple[str, int, str]]  # (alias, line, note)


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []
        self.upstreams: dict[str, Upstream] = {}
        self.upstream_lines: dict[str, tuple[str, int]] = {}
        self.sensitivity = SensitivityPolicy()
        self.gateway = GatewayPolicy()
        self.families: list[_RawFamily] = []

    def ctx(self, path: Path) -> FileContext:
        try:
            shown = os.path.relpath(path)
        except ValueError:
            shown = str(path)
        if shown.startswith(".." + os.sep + ".."):
            shown = str(path)
        return FileContext(shown, self.problems)

    def run(self) -> Catalog:
        if not self.directory.is_dir():
            raise ConfigError(f"chains directory not found: {self.directory}",
                              hint="pass --chains DIR or set ASPIRECTL_CHAINS")
        files = []
        for path in sorted(p for p in self.directory.iterdir() if p.suffix in (".yaml", ".yml")):
            try:
                path.stat()  # follows a link: a loop or a dangling link fails here
            except OSError as exc:
                why = "a symbolic link loop" if exc.errno == errno.ELOOP else \
                    f"a link to nothing ({exc.strerror})" if path.is_symlink() else exc.strerror
                self.problems.append(Problem(self.ctx(path).name, 1, f"cannot read: {why}",
                                             "remove it or point it at a chain file"))
                continue
            if path.is_file():
                files.append(path)
            elif not path.is_dir():
                self.problems.append(Problem(self.ctx(path).name, 1, "cannot read file: not a regular "
                                             "file (FIFO, device or socket): not read",
                                             "remove it or replace it with a chain file"))
        if not files and not self.problems:
            raise CatalogInvalid(str(self.directory), [Problem(
                str(self.directory), 0, "no chain files (*.yaml) in this directory",
                "add upstreams.yaml and one file per family")])
        for path in files:
            self._load_file(path)
        catalog = self._link()
        if self.problems:
            raise CatalogInvalid(str(self.directory), self.problems)
        return catalog

    def _load_file(self, path: Path) -> None:
        ctx = self.ctx(path)
        value, yaml_problems = load_yaml(path)
        for p in yaml_problems:
            ctx.add(p.line, p.message, p.hint)
        if value is None:
            return
        if not isinstance(value, dict):
            ctx.add(line_of(value), "a chain file must be a mapping",
                    "start with 'upstreams:' or 'family:'")
            return
        if "upstreams" in value:
            self._load_upstreams(ctx, value)
        elif "family" in value:
            self._load_family(ctx, value)
        else:
            ctx.add(line_of(value), "not a chain file: no 'upstreams:' or 'family:' key",
                    did_you_mean(next(iter(value), ""), ["upstreams", "family"]))

    def _load_upstreams(self, ctx: FileContext, value: dict[str, Any]) -> None:
        ctx.check(value, TOP_UPSTREAMS, "upstreams file")
        if not isinstance(value.get("upstreams"), dict):
            return
        for name, raw in value["upstreams"].items():
            line = key_line(value["upstreams"], name)
            if name in self.upstream_lines:
                file, first = self.upstream_lines[name]
                ctx.add(line, f"upstream '{name}' defined twice (first at {file}:{first})",
                        "keep one definition")
                continue
            self.upstream_lines[name] = (ctx.name, line)
            upstream = _parse_upstream(ctx, name, raw, line)
            if upstream:
                self.upstreams[name] = upstream
        if "sensitivity" in value and ctx.check(value["sensitivity"], SENSITIVITY, "sensitivity"):
            s = value["sensitivity"]
            self.sensitivity = SensitivityPolicy(
                enforced=bool(s.get("enforced", False)),
                classes=tuple(str(c) for c in s.get("classes", [])),
                note=str(s.get("note", "")).strip(),
            )

        if "gateway" in value and ctx.check(value["gateway"], GATEWAY, "gateway"):
            self.gateway = _parse_gateway(ctx, value["gateway"])

    def _load_family(self, ctx: FileContext, value: dict[str, Any]) -> None:
        ctx.check(value, TOP_FAMILY, "family file")
        name = value.get("family")
        if not isinstance(name, str):
            return
        if not NAME_RE.match(name):
            ctx.add(key_line(value, "family"), f"bad family name '{name}'",
                    "use lowercase letters, digits, '-', '.'")
        raw_aliases = value.get("aliases")
        aliases: list[tuple[str, int, str]] = []
        if isinstance(raw_aliases, list):
            alias_lines = getattr(raw_aliases, "lines", [1] * len(raw_aliases))
            for item, line in zip(raw_aliases, alias_lines, strict=True):
                if not isinstance(item, str):
                    ctx.add(line, "an alias must be a name", "write '- claude-haiku-4-5'")
                    continue
                aliases.append((item, line, ""))
        elif isinstance(raw_aliases, dict):
            for alias, spec in raw_aliases.items():
                line = key_line(raw_aliases, alias)
                note = ""
                if spec is not None and ctx.check(spec, ALIAS, f"alias '{alias}'"):
                    note = str(spec.get("note", "")).strip()
                aliases.append((alias, line, note))
        if isinstance(raw_aliases, (list, dict)) and not aliases:
            ctx.add(key_line(value, "aliases"), f"family '{name}' has no aliases",
                    "list the model aliases this chain serves")
        for alias, line, _ in aliases:
            if not NAME_RE.match(alias):
                ctx.add(line, f"bad alias name '{alias}'", "use lowercase letters, digits, '-', '.'")
        if "end" in value and value["end"] != END_OF_CHAIN:
            ctx.add(key_line(value, "end"), f"unknown chain end '{value['end']}'",
                    f"the only end is '{END_OF_CHAIN}': no silent vendor fallback")
        self.families.append(_RawFamily(ctx, value, name, aliases))

    def _link(self) -> Catalog:
        if not self.upstream_lines:
            self.problems.append(Problem(str(self.directory), 0, "no upstreams defined",
                                         "add an upstreams.yaml with an 'upstreams:' mapping"))
        alias_home: dict[str, tuple[str, str, int]] = {}
        family_home: dict[str, tuple[str, int]] = {}
        aliases: dict[str, Alias] = {}
        for fam in self.families:
            line = key_line(fam.raw, "family")
            if fam.name in family_home:
                file, first = family_home[fam.name]
                fam.ctx.add(line, f"family '{fam.name}' defined twice (first at {file}:{first})",
                            "merge the two files")
                continue
            family_home[fam.name] = (fam.ctx.name, line)
            for alias, aline, note in fam.aliases:
                if alias in alias_home:
                    other, file, first = alias_home[alias]
                    fam.ctx.add(aline, f"alias '{alias}' defined twice (first in family "
                                f"'{other}' at {file}:{first})", "an alias belongs to one family")
                    continue
                alias_home[alias] = (fam.name, fam.ctx.name, aline)
                aliases[alias] = Alias(alias, fam.name, note, Source(fam.ctx.name, aline))
        for name in family_home:
            if name in aliases:
                file, line = family_home[name]
                self.problems.append(Problem(file, line, f"'{name}' is both a family and an alias",
                                             "rename one of them"))
        families: dict[str, Family] = {}
        for fam in self.families:
            if family_home.get(fam.name, ("", 0))[0] != fam.ctx.name:
                continue
            family = self._build_family(fam, aliases)
            if family:
                families[fam.name] = family
        self._check_fallback_cycles(families)
        return Catalog(str(self.directory), dict(self.upstreams), families, aliases, self.sensitivity,
                       self.gateway)

    def _build_family(self, fam: _RawFamily, aliases: dict[str, Alias]) -> Family | None:
        ctx, raw = fam.ctx, fam.raw
        own = [a for a, _, _ in fam.aliases if aliases.get(a) and aliases[a].family == fam.name]
        hops: list[Hop] = []
        raw_hops = raw.get("hops")
        if isinstance(raw_hops, list):
            if not raw_hops:
                ctx.add(key_line(raw, "hops"), f"family '{fam.name}' has an empty chain",
                        "add at least one hop: '- upstream: NAME'")
            seen: dict[str, int] = {}
            for item, line in zip(raw_hops, getattr(raw_hops, "lines", [1] * len(raw_hops)), strict=True):
                hop = self._build_hop(ctx, fam.name, item, line, own)
                if hop is None:
                    continue
                if hop.upstream in seen:
                    ctx.add(line, f"upstream '{hop.upstream}' appears twice in the chain of "
                            f"'{fam.name}' (first at line {seen[hop.upstream]})", "remove one hop")
                    continue
                seen[hop.upstream] = line
                hops.append(hop)
        fallbacks: list[Fallback] = []
        raw_fb = raw.get("fallbacks")
        if isinstance(raw_fb, dict):
            for alias, spec in raw_fb.items():
                fb = self._build_fallback(ctx, fam.name, alias, spec, key_line(raw_fb, alias),
                                          own, aliases)
                if fb:
                    fallbacks.append(fb)
        if not isinstance(raw_hops, list) or not own:
            return None
        return Family(
            name=fam.name,
            title=str(raw.get("title", fam.name)),
            aliases=tuple(own),
            hops=tuple(hops),
            fallbacks=tuple(fallbacks),
            source=Source(ctx.name, key_line(raw, "family")),
            note=str(raw.get("note", "")).strip(),
        )

    def _build_hop(self, ctx: FileContext, family: str, item: Any, line: int,
                   own: list[str]) -> Hop | None:
        where = f"a hop of '{family}'"
        if isinstance(item, str):
            item_name, item = item, None
        elif ctx.check(item, HOP, where):
            item_name = item["upstream"]
        else:
            return None
        if item_name not in self.upstream_lines:
            hint = did_you_mean(item_name, self.upstream_lines) or (
                f"known upstreams: {', '.join(sorted(self.upstream_lines)) or 'none'}")
            ctx.add(line, f"unknown upstream '{item_name}' in the chain of '{family}'", hint)
            return None
        if item is None:
            return Hop(upstream=item_name, source=Source(ctx.name, line))
        models: list[tuple[str, str]] = []
        for alias, model in (item.get("models") or {}).items():
            mline = key_line(item["models"], alias)
            if alias not in own:
                ctx.add(mline, f"model override for '{alias}', which is not an alias of '{family}'",
                        did_you_mean(alias, own))
            elif not isinstance(model, str) or not model:
                ctx.add(mline, f"model id for '{alias}' must be a non-empty string")
            else:
                models.append((alias, model))
        states: list[tuple[str, DeclaredState]] = []
        for alias, spec in (item.get("state") or {}).items():
            sline = key_line(item["state"], alias)
            if alias not in own:
                ctx.add(sline, f"state for '{alias}', which is not an alias of '{family}'",
                        did_you_mean(alias, own) or "per-alias state names one of this family's aliases")
                continue
            state = _parse_state(ctx, spec, f"state of '{alias}' on '{item_name}'")
            if state:
                states.append((alias, state))
        return Hop(item_name, str(item.get("why", "")).strip(), tuple(models), tuple(states),
                   Source(ctx.name, line))

    def _build_fallback(self, ctx: FileContext, family: str, alias: str, spec: Any, line: int,
                        own: list[str], aliases: dict[str, Alias]) -> Fallback | None:
        where = f"fallback of '{alias}'"
        if alias not in own:
            ctx.add(line, f"fallback for '{alias}', which is not an alias of '{family}'",
                    did_you_mean(alias, own))
            return None
        if not ctx.check(spec, FALLBACK, where):
            return None
        target = spec["alias"]
        tline = key_line(spec, "alias")
        if target not in aliases:
            ctx.add(tline, f"fallback of '{alias}' names unknown alias '{target}'",
                    did_you_mean(target, aliases))
            return None
        cross = aliases[target].family != family
        declared = spec.get("cross_family", False)
        reason = str(spec.get("reason", "")).strip()
        if cross and not declared:
            ctx.add(line, f"fallback '{alias}' -> '{target}' crosses into family "
                    f"'{aliases[target].family}' without 'cross_family: true'",
                    "no silent vendor fallback: declare it with cross_family: true and a reason")
            return None
        if cross and not reason:
            ctx.add(line, f"cross-family fallback '{alias}' -> '{target}' has no reason",
                    "add 'reason:' saying why this vendor switch is acceptable")
            return None
        if declared and not cross:
            ctx.add(key_line(spec, "cross_family"), f"fallback '{alias}' -> '{target}' is marked "
                    "cross_family but stays in the same family", "remove 'cross_family: true'")
            return None
        return Fallback(alias, target, cross, reason, str(spec.get("advice", "")).strip(),
                        Source(ctx.name, line))

    def _check_fallback_cycles(self, families: dict[str, Family]) -> None:
        edges = {fb.alias: fb for fam in families.values() for fb in fam.fallbacks}
        reported: set[str] = set()
        for start in edges:
            path = [start]
            node = edges[start].target
            while node in edges and node not in path:
                path.append(node)
                node = edges[node].target
            if node in path and start == node and not reported.intersection(path):
                reported.update(path)
                fb = edges[start]
                cycle = " -> ".join([*path, start])
                src = fb.source or Source("?", 0)
                self.problems.append(Problem(src.file, src.line, f"fallback cycle: {cycle}",
                                             "a fallback chain must end; remove one link"))


def load_catalog(directory: Path | str) -> Catalog:
    """Load and validate a chains directory. Raises CatalogInvalid with every problem."""
    return _Loader(Path(directory)).run()


def validate_catalog(directory: Path | str) -> tuple[Catalog | None, list[Problem]]:
    try:
        return load_catalog(directory), []
    except CatalogInvalid as exc:
        return None, exc.problems

