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


def _key(**fields):
    from datetime import UTC, datetime

    base = {"token": "2" * 64, "consumer": "ko", "key_name": "sk-...wxyz", "status": KeyStatus.ACTIVE,
            "models": ("qwen-3.6",), "last_active": datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)}
    base.update(fields)
    return KeyRecord(**base)


def _findings(record, kind):
    from datetime import datetime

    now = datetime(2026, 12, 6, 12, 0)
    return [(f.severity, f.detail, f.next) for f in audit.judge_key(record, now, audit.Thresholds()) if f.kind == kind]


def test_expiry_is_said_in_the_tightest_window_and_within_a_day_pages():
    from datetime import datetime, timedelta

    now = datetime(2026, 12, 6, 12, 0)
    cases = [(timedelta(days=6), Health.WARNING, "within 7 days"), (timedelta(days=3), Health.WARNING, "within 3 days"),
             (timedelta(days=2), Health.WARNING, "within 3 days"), (timedelta(days=1), Health.CRITICAL, "within 1 day)"),
             (timedelta(hours=5), Health.CRITICAL, "within 1 day)")]
    for left, severity, words in cases:
        (found,) = _findings(_key(expires=now + left), "expiring")
        assert found[0] is severity and words in found[1], (left, found)
        assert found[1].startswith(f"expires {now + left:%Y-%m-%d %H:%M}Z") and \
            found[2] == "aspirectl keys rotate ko --grace 24h"
    assert _findings(_key(expires=now + timedelta(days=8)), "expiring") == []
    assert _findings(_key(expires=datetime.max), "expiring") == []


def test_budget_at_eighty_percent_warns_and_at_its_end_pages():
    assert _findings(_key(spend=79.0, max_budget=100.0), "budget") == []
    (warn,) = _findings(_key(spend=80.0, max_budget=100.0), "budget")
    assert warn == (Health.WARNING, "spent 80% of its $100.00 budget", "aspirectl keys show ko")
    (crit,) = _findings(_key(spend=100.0, max_budget=100.0), "budget")
    assert crit[0] is Health.CRITICAL and crit[1] == "spent $100.00 of its $100.00 budget: LiteLLM refuses its calls"
    assert crit[2] == ("raise max_budget with LiteLLM's /key/update, or "
                       "aspirectl keys create ko --allow-second --budget USD")
    assert _findings(_key(spend=5.0, max_budget=0.0), "budget") == [] and _findings(_key(spend=5.0), "budget") == []


def test_an_unused_or_unrestricted_key_is_said_word_for_word():
    from datetime import datetime

    never = _key(last_active=None, created_at=datetime(2026, 8, 1))
    (unused,) = _findings(never, "unused")
    assert unused == (Health.WARNING, "never used, more than 90 days ago: nobody needs it", "aspirectl keys revoke ko")
    old = _key(last_active=datetime(2026, 9, 1))
    (unused,) = _findings(old, "unused")
    assert unused[1] == "last used 2026-09-01, more than 90 days ago: nobody needs it"
    assert _findings(_key(last_active=datetime(2026, 9, 8)), "unused") == []  # 89 days and a half
    assert _findings(_key(last_active=None, created_at=None), "unused") == []  # nothing says when
    (open_,) = _findings(_key(models=()), "unrestricted")
    assert open_ == (Health.WARNING, "no model restriction (models = []: every model, the paid ones too)",
                     "set models with LiteLLM's /key/update, or re-create it: aspirectl keys create ko "
                     "--allow-second --models ALIAS,..., then delete the old key sk-...wxyz")
    assert _findings(_key(), "unrestricted") == []


def test_a_key_that_no_longer_authenticates_or_is_in_grace_has_no_findings_of_its_own():
    for status in (KeyStatus.BLOCKED, KeyStatus.EXPIRED, KeyStatus.IN_GRACE):
        from datetime import datetime

        assert audit.judge_key(_key(status=status, models=(), last_active=None, created_at=datetime(2020, 1, 1)),
                               datetime(2026, 12, 6), audit.Thresholds()) == []


def test_a_finding_cannot_be_changed_and_a_report_says_no_sources_until_told():
    import dataclasses

    import pytest

    f = audit.KeyFinding("unused", Health.WARNING, "ko", "sk-...abcd", "d", "n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.severity = Health.OK  # type: ignore[misc]
    assert audit.AuditReport("db", 0).sources_checked is False


def test_names_are_capped_where_the_table_needs_them():
    """A 300-character alias (LiteLLM allows 255; a DB may hold anything) is shown in 200."""
    from datetime import datetime

    long = KeyRecord("3" * 64, "a" * 300, "k" * 60, KeyStatus.ACTIVE)
    assert audit._consumer(long) == "a" * 199 + "…" and audit._name(long) == "k" * 39 + "…"
    exact = KeyRecord("4" * 64, "b" * 200, "m" * 40, KeyStatus.ACTIVE)
    assert audit._consumer(exact) == "b" * 200 and audit._name(exact) == "m" * 40
    report = audit.AuditReport("db", 0)
    assert report.status is Health.OK
    expired = [f.consumer for f in audit.audit(_Store([KeyRecord("5" * 64, "c" * 201, "x", KeyStatus.EXPIRED)]),
                                               "db", datetime(2026, 12, 6), audit.Thresholds()).findings
               if f.kind == "expired"]
    assert expired == ["c" * 199 + "…"]


class _Store:
    """Just enough of a KeyStore for audit(): its keys, and a request log without addresses."""

    def __init__(self, records):
        self.records = records
        self.db = self

    def iter_keys(self, include_all=False):
        yield self.records

    def columns(self, table):
        return []


def test_expiry_severity_follows_the_one_day_line_whatever_the_windows():
    from datetime import datetime, timedelta

    now = datetime(2026, 12, 6, 12, 0)
    two = audit.Thresholds(expiring_days=(2,))
    soon = _key(expires=now + timedelta(hours=36))
    (found,) = [f for f in audit.judge_key(soon, now, two) if f.kind == "expiring"]
    assert found.severity is Health.WARNING and "(within 2 days)" in found.detail


def test_a_budget_under_one_dollar_is_still_a_budget():
    (crit,) = _findings(_key(spend=0.5, max_budget=0.5), "budget")
    assert crit[0] is Health.CRITICAL and crit[1] == "spent $0.50 of its $0.50 budget: LiteLLM refuses its calls"


def test_unused_is_more_than_the_days_not_exactly_them():
    from datetime import datetime, timedelta

    now = datetime(2026, 12, 6, 12, 0)
    exactly = _key(last_active=now - timedelta(days=90))
    assert [f for f in audit.judge_key(exactly, now, audit.Thresholds()) if f.kind == "unused"] == []
    beyond = _key(last_active=now - timedelta(days=90, seconds=1))
    assert [f.kind for f in audit.judge_key(beyond, now, audit.Thresholds()) if f.kind == "unused"] == ["unused"]
