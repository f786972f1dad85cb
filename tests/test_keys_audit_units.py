"""keys audit's core, unit by unit: the thresholds it uses by default are the ones its help
promises operators, a finding's document, and the names and next commands it prints for keys
with odd or hostile aliases (written from the mutants that survived tests/test_keys_audit.py)."""

from __future__ import annotations

import re

from aspirectl.keys import audit
from aspirectl.keys.model import KeyRecord, KeyStatus
from aspirectl.status import Health


def test_the_default_thresholds_are_the_ones_the_help_promises(cli):
    text = " ".join(cli("keys", "audit", "--help").out.split())
    defaults = dict(re.findall(r"--([a-z-]+) [A-Z]+ .*?\[default: ([0-9.,]+)", text))
    t = audit.Thresholds()
    assert defaults == {"expiring": ",".join(map(str, t.expiring_days)), "unused": str(t.unused_days),
                        "budget-warn": str(t.budget_warn_pct), "many-sources": str(t.many_sources)}, defaults
    assert (t.expiring_days, t.budget_warn_pct, t.unused_days, t.many_sources) == ((7, 3, 1), 80.0, 90, 3)
    assert f"({t.window_days} days)" in text and t.window_days == 30


def test_a_finding_document_and_the_worst_severity():
    f = audit.KeyFinding("unused", Health.WARNING, "ko", "sk-...abcd", "unused for 91 days", "aspirectl keys revoke ko")
    assert f.to_dict() == {"kind": "unused", "severity": "WARNING", "consumer": "ko", "key_name": "sk-...abcd",
                           "detail": "unused for 91 days", "next": "aspirectl keys revoke ko"}
    report = audit.AuditReport("db", 2, [f, audit.KeyFinding("expired", Health.CRITICAL, "a", "b", "c", "d")])
    assert report.status is Health.CRITICAL and audit.AuditReport("db", 0).status is Health.OK
    assert audit.AuditReport("db", 0).thresholds == audit.Thresholds() and not audit.AuditReport("db", 0).sources_checked


def test_names_and_next_commands_for_odd_aliases():
    plain = KeyRecord("0" * 64, "knowledge-os", "sk-...wxyz", KeyStatus.ACTIVE)
    nameless = KeyRecord("1" * 64, None, None, KeyStatus.ACTIVE)
    assert audit._consumer(plain) == "knowledge-os" and audit._name(plain) == "sk-...wxyz"
    assert audit._consumer(nameless) == "(no key_alias)" and audit._name(nameless) == "?"
    assert audit._cmd("rotate", "knowledge-os", " --grace 1h") == "aspirectl keys rotate knowledge-os --grace 1h"
    hostile = "x; rm -rf /"
    assert audit._cmd("revoke", hostile) == \
        "fix the key_alias with LiteLLM's /key/update, then re-run 'aspirectl keys audit'"
