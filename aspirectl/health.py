"""Probe results + catalog -> per-alias decisions and one Nagios state for the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aspirectl.catalog.model import Catalog
from aspirectl.probe.report import ProbeReport
from aspirectl.routing import Decision, resolve, worst
from aspirectl.status import Health

if TYPE_CHECKING:
    from aspirectl.acks import AckNote
    from aspirectl.gateway.check import GatewayCheck

SCHEMA_PROBE = "aspirectl.probe/v1"


@dataclass(frozen=True)
class Assessment:
    report: ProbeReport
    decisions: tuple[Decision, ...]
    status: Health
    gateway: GatewayCheck | None = None  # when --gateway was asked for (the first replica)
    replicas: tuple[GatewayCheck, ...] = ()  # every replica, when there are several
    # the catalog's acknowledgements as they stand in this run (acks.apply_acks)
    acknowledgements: tuple[AckNote, ...] = ()

    @property
    def acknowledged(self) -> dict[str, AckNote]:
        """alias -> the acknowledgement that turns its WARNING into an exit 0 in this run."""
        return {alias: n for n in self.acknowledgements for alias in n.applied_to}

    def counts(self) -> dict[str, int]:
        """Every number any output shows, from the decisions' own meaning (routing.Decision):
        each alias is counted once by status, and by how it is served."""
        decisions = self.decisions
        return {"aliases": len(decisions),
                "ok": sum(1 for d in decisions if d.status is Health.OK),
                "warning": sum(1 for d in decisions if d.status is Health.WARNING),
                "critical": sum(1 for d in decisions if d.status is Health.CRITICAL),
                "unknown": sum(1 for d in decisions if d.status is Health.UNKNOWN),
                "on_later_hop": sum(1 for d in decisions if d.on_later_hop),
                "degraded": sum(1 for d in decisions if d.degraded),
                "failing": sum(1 for d in decisions if d.failing),
                "hops": len(self.report.results),
                "hops_serving": sum(1 for r in self.report.results if r.serves),
                "acknowledged": len(self.acknowledged)}

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"schema": SCHEMA_PROBE, "status": self.status.name,
                               "exit_code": int(self.status)}
        doc.update(self.report.to_dict())
        doc["aliases"] = [d.to_dict() for d in self.decisions]
        doc["summary"] = self.counts()
        if self.gateway is not None:
            doc["gateway"] = self.gateway.to_dict()
        if self.replicas:
            doc["replicas"] = [r.to_dict() for r in self.replicas]
        if self.acknowledgements:
            doc["acknowledgements"] = [n.to_dict() for n in self.acknowledgements]
        return doc


def assess(catalog: Catalog, report: ProbeReport, aliases: list[str]) -> Assessment:
    decisions = tuple(resolve(catalog, report, alias) for alias in aliases)
    # Overrunning the global deadline is the plugin's own failure: at least UNKNOWN.
    extra = [Health.UNKNOWN] if report.deadline_hit else []
    status = worst([d.status for d in decisions] + extra)
    return Assessment(report, decisions, status)
