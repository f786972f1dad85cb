"""The monitoring key: what `probe --via-gateway` needs from a monitoring host, and no more.

It may call every hop's model group (each alias, each ALIAS@UPSTREAM: exactly what the export
names, so a hop probe is never refused for access) and nothing else; its budget and rate
limits bound what a leaked copy could spend. One run asks every hop once (16 hops in the
shipped chains): up to TOKENS_IN_PER_HOP + TOKENS_OUT_PER_HOP tokens each (probe/cost.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aspirectl.catalog.model import Catalog
from aspirectl.keys.store import KeySpec

BUDGET_USD = 5.0  # a year of 5-minute runs over the paid hops costs well under this
RPM = 60  # a run every 15 s of 16 hops; a leaked key cannot drive traffic
TPM = 5000
EXPIRES = timedelta(days=365)
ROLE = {"aspirectl_role": "monitoring", "purpose": "aspirectl probe --via-gateway"}


def monitoring_spec(catalog: Catalog, expires_in: timedelta | None = None, max_budget: float | None = None,
                    rpm: int | None = None, tpm: int | None = None,
                    metadata: dict[str, Any] | None = None) -> KeySpec:
    from aspirectl.keys.fleet import resolve_models

    return KeySpec(models=resolve_models(catalog, list(catalog.aliases)), expires_in=expires_in or EXPIRES,
                   max_budget=BUDGET_USD if max_budget is None else max_budget, rpm_limit=rpm or RPM,
                   tpm_limit=tpm or TPM, metadata={**ROLE, **(metadata or {})})
