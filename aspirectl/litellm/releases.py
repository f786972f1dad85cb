"""What aspirectl knows about each LiteLLM release, in one place: the releases it is tested on
(and the schema each ships), the release a behaviour changed in, the release an export
targets by default, and the shape and order of release strings. Read by `chains export`,
`keys`, the gateway check, the tests and scripts/test (which installs exactly SUPPORTED)."""

from __future__ import annotations

import re

# The releases the real-proxy tests run (scripts/test installs each in its own virtualenv), and
# the litellm-proxy-extras release whose migrations are that release's database schema.
RELEASE_ENV = "ASPIRECTL_LITELLM_VERSION"  # the release exports target, where none is told
SUPPORTED: dict[str, str] = {"1.80.0": "0.4.5", "1.85.0": "0.4.72", "1.108.7": "0.4.110"}
DEFAULT_TARGET = "1.108.7"  # the newest release the project runs; --litellm-version for another
# Native OAuth for Anthropic (the token sent as a Bearer by LiteLLM itself): checked in the wheels.
NATIVE_OAUTH_SINCE = "1.81.12"
# The deprecated-key (grace) lookup works: 1.89.0 lacks PR #30327, 1.89.1 has it (the wheels).
GRACE_FIXED_IN = "1.89.1"
# From this release a spend-log row names the group the caller asked for
# (metadata.original_model_group and attempted_fallbacks, BerriAI/litellm#38107) and the router
# can check the caller's key against each fallback group (general_settings.
# enforce_fallback_model_access, #38572: default off in 1.100.0, on in 1.108.7). Checked in the
# wheels: absent from 1.95.0-1.99.0, present in 1.100.0, 1.104.0 and 1.108.7. Before it, a row
# of traffic a fallback served names only the serving group, so the export gives each alias its
# own copies of the deployments its fallback reaches (litellm/naming.py fallback_id); from it,
# the rows say what was asked and the copies would need every restricted key to hold them.
ORIGINAL_GROUP_SINCE = "1.100.0"

# Where a running proxy tells its release (recorded on loopback): the readiness answer's
# `litellm_version` on 1.80.0 only; the `x-litellm-version` header of a served completion on
# all three. Which provider headers it relays (`llm_provider-*`): on a success on all three;
# on an error from 1.108.7 only (1.80.0 and 1.85.0 pass none on an error, so a quota window
# or reset said only in headers is not visible through them).
VERSION_HEADER = "x-litellm-version"
# The error classes a LiteLLM spend-log failure row carries when the gateway refused the caller
# before any upstream was tried (its key unknown, blocked or expired, a model the key may not
# use): the caller's problem, never the alias's failure. Seen on rows LiteLLM 1.108.7 wrote
# itself (tests/test_usage_real_rows.py: ModelAccessDeniedProxyException, KeyNotFoundError;
# also ../shared/reference/litellm.md section 0); 1.80.0 and 1.85.0 write "ProxyException"
# with blank model ids for the same refusals (litellm.md section 0; their rows are read the
# same way when the ids are blank).
GATEWAY_REFUSALS = frozenset({"ModelAccessDeniedProxyException", "KeyNotFoundError"})
GENERIC_REFUSAL = "ProxyException"  # a refusal only where the row names no deployment

# /health/readiness "status" -> ready or not. 1.85.0 and 1.108.7 say "healthy" (a down DB is
# a 503). 1.80.0 with a database overwrites it with its DB check's own status (recorded from
# the DB-backed proxy of tests/dbproxy.py; _db_health_readiness_check in
# proxy/health_endpoints/_health_endpoints.py): "connected", "disconnected", or "unknown" when
# the check raised (the cache's first value). No status at all: an older or odd proxy, ready.
READINESS: dict[str, bool] = {"healthy": True, "connected": True, "": True,
                              "disconnected": False, "unknown": False}
RELAYS_PROVIDER_HEADERS_ON_ERRORS = {"1.80.0": False, "1.85.0": False, "1.108.7": True}

# Bounded digits and a printable ASCII tail ("1.81.0rc1", "1.108.7-stable"): a readiness
# answer of 5,000 digits or with an escape sequence in it is no release.
RELEASE = re.compile(r"\d{1,4}\.\d{1,4}(\.\d{1,6})?[0-9A-Za-z.+_-]{0,20}")


def is_release(text: str) -> bool:
    return RELEASE.fullmatch(text.strip()) is not None


def release_tuple(text: str) -> tuple[int, ...]:
    """(major, minor, patch) for ordering releases: '1.81.12' > '1.81.9'."""
    numbers = re.findall(r"\d+", text)
    return tuple(int(n) for n in numbers[:3]) if numbers else (0,)


def logs_requested_group(target: str | None) -> bool:
    """Whether release ``target`` (the default target when None) writes the group asked for
    into each spend-log row (ORIGINAL_GROUP_SINCE)."""
    return release_tuple(target or DEFAULT_TARGET) >= release_tuple(ORIGINAL_GROUP_SINCE)
