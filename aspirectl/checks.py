"""The probe/route/demo workflows as functions: catalog + credentials in, Assessment out."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from aspirectl.errors import UnknownName, UsageError

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.health import Assessment
    from aspirectl.probe.options import RunOptions
    from aspirectl.probe.runner import Progress
    from aspirectl.secrets.store import Resolver


def select_aliases(catalog: Catalog, names: list[str] | None) -> list[str]:
    """Alias and family names -> aliases (all when none given); unknown names are usage errors."""
    for name in names or []:
        if name not in catalog.aliases and name not in catalog.families:
            raise UnknownName("alias or family", name, catalog.names)
    return catalog.expand(names) if names else list(catalog.aliases)


def check_limits(timeout: float, deadline: float) -> None:
    if timeout <= 0:
        raise UsageError(f"--timeout must be more than 0 seconds, got {timeout:g}")
    if deadline <= 0:
        raise UsageError(f"--deadline must be more than 0 seconds, got {deadline:g}")


class ProbeRequest(NamedTuple):
    aliases: list[str]
    options: RunOptions
    deep: bool = False


def probe_aliases(catalog: Catalog, request: ProbeRequest, resolver: Resolver,
                  on_progress: Progress | None = None) -> Assessment:
    from aspirectl.health import assess
    from aspirectl.probe.plan import plan_targets
    from aspirectl.probe.runner import probe

    targets = plan_targets(catalog, request.aliases, resolver, request.deep)
    report = probe(targets, request.options, deep=request.deep, on_progress=on_progress)
    return assess(catalog, report, request.aliases)
