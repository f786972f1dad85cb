"""Helpers: probe the shipped catalog against a sandbox scenario, over real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aspirectl.catalog.loader import load_catalog
from aspirectl.checks import ProbeRequest, probe_aliases
from aspirectl.health import Assessment
from aspirectl.probe.options import RunOptions
from aspirectl.sandbox.app import Sandbox, SandboxThread
from aspirectl.sandbox.catalogue import Behaviour, Scenario
from aspirectl.secrets.store import MappingSource, Resolver
from tests.conftest import SHIPPED_CHAINS


def scenario(name: str = "custom", **upstreams: Behaviour) -> Scenario:
    return Scenario(name, "test scenario", {k.replace("_", "-"): v for k, v in upstreams.items()})


@contextmanager
def running(scn: Scenario | str, catalog_dir=SHIPPED_CHAINS, **kwargs) -> Iterator[Sandbox]:
    with SandboxThread(load_catalog(catalog_dir), scn, **kwargs) as box:
        yield box


def probe_box(box: Sandbox, aliases: list[str], *, deep: bool = False, timeout: float = 3.0,
              deadline: float = 6.0, credentials: dict[str, str] | None = None) -> Assessment:
    catalog = box.sandbox_catalog()
    creds = box.credentials if credentials is None else credentials
    options = RunOptions(timeout=timeout, deadline=deadline, trust_env=False)
    return probe_aliases(catalog, ProbeRequest(aliases, options, deep), Resolver([MappingSource(creds)]))


def probe_scenario(scn: Scenario | str, aliases: list[str], **kwargs) -> Assessment:
    with running(scn) as box:
        return probe_box(box, aliases, **kwargs)


def hop(assessment: Assessment, alias: str, upstream: str):
    result = assessment.report.result(alias, upstream)
    assert result is not None, f"no result for {alias} @ {upstream}"
    return result
