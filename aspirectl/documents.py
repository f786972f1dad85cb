"""Every JSON document aspirectl prints, built here and nowhere else.

``FIELDS`` is the contract: each schema's top-level members in order. ``docs/output.md``
documents each of them and ``tests/test_documents.py`` runs every command with ``-o json``
and holds its document to this table and to the documentation, so the three cannot drift.
Serialisation (and the redaction of every string in a document) is ``render/structured.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.catalog.problems import Problem
    from aspirectl.catalog.views import AliasChain
    from aspirectl.graph import LiveGraph
    from aspirectl.health import Assessment
    from aspirectl.keys.model import KeyRecord, NewKey
    from aspirectl.keys.scan import Finding
    from aspirectl.keys.store import Provisioned
    from aspirectl.routing import Decision
    from aspirectl.state import SavedState, Transition
    from aspirectl.usage import Thresholds, UsageReport

CHAINS = "aspirectl.chains/v1"
VALIDATE = "aspirectl.validate/v1"
PROBE = "aspirectl.probe/v1"
ROUTE = "aspirectl.route/v1"
CHANGES = "aspirectl.changes/v1"
KEYS = "aspirectl.keys/v1"
KEY = "aspirectl.key/v1"
PROVISION = "aspirectl.provision/v1"
PROVISION_PLAN = "aspirectl.provision-plan/v1"  # keys provision --dry-run -o json
SCAN = "aspirectl.scan/v1"
SECRETS = "aspirectl.secrets/v1"
GRAPH = "aspirectl.graph/v1"  # chains graph --live|--cached -o json
USAGE = "aspirectl.usage/v1"
ACKS = "aspirectl.acks/v1"  # ack list -o json (the acknowledgements file has the same shape)
KEYS_AUDIT = "aspirectl.keys-audit/v1"  # keys audit -o json

# schema -> its top-level members, in order (optional members are listed in OPTIONAL).
FIELDS: dict[str, tuple[str, ...]] = {
    CHAINS: ("schema", "chains_dir", "aliases"),
    VALIDATE: ("schema", "chains_dir", "valid", "problems", "aliases", "upstreams"),
    PROBE: ("schema", "status", "exit_code", "catalog", "started_at", "duration_s", "deep", "source",
            "deadline_hit", "hops", "aliases", "summary"),
    ROUTE: ("schema", "status", "exit_code", "catalog", "source", "aliases"),
    CHANGES: ("schema", "status", "exit_code", "catalog", "previous_run_at", "changes", "summary"),
    KEYS: ("schema", "database", "keys"),
    KEY: ("schema", "database", "consumer"),  # + every key field and "key" (the plaintext)
    PROVISION: ("schema", "database", "fleet", "created", "existing"),
    PROVISION_PLAN: ("schema", "database", "fleet", "create", "keep"),
    SCAN: ("schema", "database", "candidates", "findings"),
    SECRETS: ("schema", "keyring", "credentials"),
    GRAPH: ("schema", "source", "catalog", "families"),
    ACKS: ("schema", "catalog", "acks"),
    KEYS_AUDIT: ("schema", "status", "exit_code", "database", "keys_checked", "sources_checked", "thresholds",
                 "findings"),
    USAGE: ("schema", "status", "exit_code", "catalog", "database", "since", "until", "by", "thresholds",
            "aliases", "unknown_deployments", "unknown_deployments_total", "unattributed_failures",
            "rows_without_original_group", "reasons"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    KEYS: ("caches",),
    PROBE: ("via_gateway", "gateway", "replicas", "acknowledgements", "scenario"),
    ROUTE: ("via_gateway", "sensitivity"),
    USAGE: ("consumers", "consumers_not_listed"),
    CHAINS: ("family", "title", "note", "source", "upstreams"),
}


def _catalog_path(catalog: Catalog) -> str:
    return str(Path(catalog.directory).resolve())


# ------------------------------------------------------------------------- chains

def chains_listing(chains: list[AliasChain], directory: str | Path) -> dict[str, Any]:
    return {"schema": CHAINS, "chains_dir": str(Path(directory).resolve()),
            "aliases": [c.to_dict() for c in chains]}


def validation(directory: Path, catalog: Catalog | None, problems: list[Problem]) -> dict[str, Any]:
    return {"schema": VALIDATE, "chains_dir": str(directory.resolve()), "valid": not problems,
            "problems": [p.to_dict() for p in problems],
            "aliases": len(catalog.aliases) if catalog else 0,
            "upstreams": len(catalog.upstreams) if catalog else 0}


# --------------------------------------------------------------------- health

def probe(assessment: Assessment, catalog: Catalog, *, scenario: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": PROBE, "status": assessment.status.name,
                           "exit_code": int(assessment.status), "catalog": _catalog_path(catalog)}
    doc.update(assessment.report.to_dict())
    doc["aliases"] = [d.to_dict() for d in assessment.decisions]
    doc["summary"] = assessment.counts()
    if assessment.gateway is not None:
        doc["gateway"] = assessment.gateway.to_dict()
    if assessment.replicas:
        doc["replicas"] = [r.to_dict() for r in assessment.replicas]
    if assessment.acknowledgements:
        doc["acknowledgements"] = [n.to_dict() for n in assessment.acknowledgements]
    if scenario is not None:
        doc["scenario"] = scenario
    return doc


def provision_plan(database: str, fleet: str, create: list[dict[str, str]],
                   keep: list[str]) -> dict[str, Any]:
    return {"schema": PROVISION_PLAN, "database": database, "fleet": fleet, "create": create, "keep": keep}


def keys_audit(report: Any) -> dict[str, Any]:
    return {"schema": KEYS_AUDIT, "status": report.status.name, "exit_code": int(report.status),
            "database": report.database, "keys_checked": report.keys_checked,
            "sources_checked": report.sources_checked, "thresholds": report.thresholds._asdict(),
            "findings": [f.to_dict() for f in report.findings]}


def acks(catalog: Catalog, records: Iterable[Any], now: Any) -> dict[str, Any]:
    return {"schema": ACKS, "catalog": _catalog_path(catalog),
            "acks": [{**a.to_dict(), "active": a.until > now} for a in records]}


def route(decisions: Iterable[Decision], status: Any, catalog: Catalog, source: str,
          sensitivity: dict[str, Any] | None = None, via: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": ROUTE, "status": status.name, "exit_code": int(status),
                           "catalog": _catalog_path(catalog), "source": source}
    if via:
        doc["via_gateway"] = via
    doc["aliases"] = [d.to_dict() for d in decisions]
    if sensitivity is not None:
        doc["sensitivity"] = sensitivity
    return doc


def changes(assessment: Assessment, catalog: Catalog, previous: SavedState | None,
            transitions: list[Transition]) -> dict[str, Any]:
    return {"schema": CHANGES, "status": assessment.status.name, "exit_code": int(assessment.status),
            "catalog": _catalog_path(catalog),
            "previous_run_at": previous.saved_at.isoformat().replace("+00:00", "Z") if previous else None,
            "changes": [t.to_dict() for t in transitions], "summary": assessment.counts()}


# ----------------------------------------------------------------------- keys

def keys(database: str, records: Iterable[KeyRecord], caches: list[dict[str, Any]] | None = None,
         member: str = "keys") -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": KEYS, "database": database, member: [r.to_dict() for r in records]}
    if caches is not None:  # keys revoke with the gateway's replicas: what each cache did
        doc["caches"] = caches
    return doc


def keys_head(database: str) -> dict[str, Any]:
    """The members before the streamed "keys" array of ``keys list -o json``."""
    return {"schema": KEYS, "database": database}


def new_key(key: NewKey, database: str, *, include_plaintext: bool,
            extra: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": KEY, "database": database, **key.record.to_dict()}
    if include_plaintext:
        doc["key"] = key.plaintext
    doc.update(extra or {})
    return doc


def provision(database: str, fleet: str, result: Provisioned, where: dict[str, str]) -> dict[str, Any]:
    return {"schema": PROVISION, "database": database, "fleet": fleet,
            "created": [{"consumer": k.consumer, "key_name": k.record.key_name, "saved_to": where[k.consumer]}
                        for k in result.created],
            "existing": result.existing}


def scan(database: str, findings: list[Finding]) -> dict[str, Any]:
    return {"schema": SCAN, "database": database, "candidates": len(findings), "findings": [
        {"path": f.sighting.path, "line": f.sighting.line, "key_name": f.key_name,
         "consumer": f.record.consumer if f.record else None,
         "status": f.record.status.value if f.record else "unknown", "live": f.live}
        for f in findings]}


def secrets(keyring: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": SECRETS, "keyring": keyring, "credentials": rows}


# ---------------------------------------------------------------------- usage

def usage(report: UsageReport, catalog_path: str, database: str, by: str,
          thresholds: Thresholds) -> dict[str, Any]:
    def iso(moment: Any) -> str:
        return str(moment.isoformat(timespec="seconds")).replace("+00:00", "Z")

    doc: dict[str, Any] = {
        "schema": USAGE, "status": report.status.name, "exit_code": int(report.status),
        "catalog": catalog_path, "database": database, "since": iso(report.window.since),
        "until": iso(report.window.until), "by": by,
        "thresholds": {"max_paid_share": thresholds.max_paid_share,
                       "max_failure_share": thresholds.max_failure_share},
        "aliases": [u.to_dict() for u in report.aliases],
        "unknown_deployments": [h.to_dict() for h in report.unknown],
        "unknown_deployments_total": {"deployments": report.unknown_total.deployments,
                                      "requests": report.unknown_total.requests,
                                      "list_spend": round(report.unknown_total.spend, 6)},
        "unattributed_failures": dict(sorted(report.unattributed_failures.items())),
        "rows_without_original_group": report.rows_without_original_group,
        "reasons": list(report.reasons),
    }
    if report.consumers is not None:
        doc["consumers"] = [c.to_dict() for c in report.consumers]
        beyond = report.consumers_beyond
        doc["consumers_not_listed"] = {"keys": beyond.keys if beyond else 0,
                                       "requests": beyond.requests if beyond else 0}
    return doc


def graph(picture: LiveGraph, catalog: Catalog) -> dict[str, Any]:
    from dataclasses import asdict

    return {"schema": GRAPH, "source": picture.source, "catalog": _catalog_path(catalog),
            "families": {name: [asdict(row) for row in rows] for name, rows in picture.families.items()}}
