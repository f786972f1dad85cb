"""Every command's JSON, held to the one contract (aspirectl/documents.py FIELDS) and to
docs/output.md: a member added, renamed or dropped anywhere fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aspirectl.documents import FIELDS, KEY, KEYS, OPTIONAL
from tests.conftest import ROOT, SHIPPED_CHAINS

DOCS = (ROOT / "docs" / "output.md").read_text()


def _section(schema: str) -> str:
    """The part of docs/output.md about one schema (from its name to the next heading or bullet)."""
    start = DOCS.index(f"`{schema}`")
    rest = DOCS[start + 1:]
    ends = [m.start() for m in re.finditer(r"\n## |\n\* `aspirectl\.", rest)]
    return DOCS[start:start + 1 + (ends[0] if ends else len(rest))]


def _hold(document: dict, schema: str) -> None:
    assert document["schema"] == schema
    required, optional = FIELDS[schema], OPTIONAL.get(schema, ())
    # every required member, in the contract's order (optional ones may stand between)
    assert [m for m in document if m in required] == list(required), list(document)
    if schema == KEY:  # + every field of a key record, and the plaintext
        from aspirectl.keys.model import KeyRecord, KeyStatus

        optional = (*optional, "key", *KeyRecord("t", "c", "k", KeyStatus.ACTIVE).to_dict())
        assert "key" in document
    extra = set(document) - set(required) - set(optional)
    assert not extra, f"{schema}: undocumented members {extra}"
    section = _section(schema) + (_section(KEYS) if schema == KEY else "")  # "the same fields" as keys
    for name in set(document) - {"schema"}:
        assert f'"{name}"' in section, f"docs/output.md does not document {schema}.{name}"


@pytest.fixture
def seed(sandbox_chains):
    return sandbox_chains("seed")


def _json(result) -> dict:
    assert result.out.strip(), result.text
    return json.loads(result.out)


def test_every_schema_is_documented():
    for schema in FIELDS:
        section = _section(schema) if f"`{schema}`" in DOCS else ""
        assert section, f"{schema} missing from docs/output.md"


def test_health_documents(cli, seed):
    _hold(_json(cli("--chains", seed, "probe", "gpt", "-o", "json")), "aspirectl.probe/v1")
    hop = _json(cli("--chains", seed, "probe", "gpt", "-o", "json"))["hops"][0]
    probe_section = _section("aspirectl.probe/v1")
    for name in hop:
        assert f'"{name}"' in probe_section, name
    alias = _json(cli("--chains", seed, "probe", "gpt", "-o", "json"))["aliases"][0]
    for name in alias:
        assert f'"{name}"' in probe_section, name
    summary = _json(cli("--chains", seed, "probe", "gpt", "-o", "json"))["summary"]
    for name in summary:
        assert f'"{name}"' in probe_section, name
    _hold(_json(cli("--chains", seed, "route", "gpt-5.5", "-o", "json")), "aspirectl.route/v1")
    _hold(_json(cli("--chains", seed, "route", "--all", "--cached", "-o", "json")), "aspirectl.route/v1")
    _hold(_json(cli("--chains", seed, "probe", "gpt", "--changes", "-o", "json")), "aspirectl.changes/v1")
    demo = _json(cli("--chains", SHIPPED_CHAINS, "demo", "-o", "json"))
    _hold(demo, "aspirectl.probe/v1")
    assert demo["scenario"] == "seed" and Path(demo["catalog"]).is_absolute()


def test_chains_documents(cli, chains_copy):
    listing = _json(cli("chains", "list", "-o", "json"))
    _hold(listing, "aspirectl.chains/v1")
    assert Path(listing["chains_dir"]).is_absolute()
    _hold(_json(cli("chains", "show", "gpt", "-o", "json")), "aspirectl.chains/v1")
    _hold(_json(cli("chains", "show", "gpt-5.5", "-o", "json")), "aspirectl.chains/v1")
    validate = _json(cli("chains", "validate", "-o", "json"))
    _hold(validate, "aspirectl.validate/v1")
    assert Path(validate["chains_dir"]).is_absolute()


def test_keys_documents(cli, tmp_path):
    db = f"sqlite:///{tmp_path}/keys.db"
    created = _json(cli("--db", db, "keys", "create", "svc-a", "-o", "json", "--create"))
    _hold(created, KEY)
    assert created["database"] == f"sqlite {tmp_path}/keys.db"
    for command in (("keys", "list"), ("keys", "show", "svc-a"), ("keys", "revoke", "svc-a")):
        document = _json(cli("--db", db, *command, "-o", "json"))
        _hold(document, KEYS)
        assert document["database"] == f"sqlite {tmp_path}/keys.db", command
        assert document["keys"], command
    key_fields = set(document["keys"][0])
    section = _section(KEYS)
    for name in key_fields:
        assert f'"{name}"' in section, name
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(f"fleet: f\nsave: {{dir: {tmp_path}}}\nconsumers: [svc-b]\n")
    _hold(_json(cli("--db", db, "--chains", SHIPPED_CHAINS, "keys", "provision", fleet, "-o", "json")),
          "aspirectl.provision/v1")
    _hold(_json(cli("--db", db, "keys", "scan", tmp_path, "-o", "json")), "aspirectl.scan/v1")


def test_secrets_document(cli):
    _hold(_json(cli("--chains", SHIPPED_CHAINS, "secrets", "list", "-o", "json")), "aspirectl.secrets/v1")


def test_usage_document(cli):
    demo = _json(cli("--chains", SHIPPED_CHAINS, "demo", "--usage", "-o", "json"))
    _hold(demo, "aspirectl.usage/v1")
    section = _section("aspirectl.usage/v1")
    for name in demo["aliases"][0]:
        assert f'"{name}"' in section, name
    for name in demo["aliases"][0]["hops"][0]:
        assert f'"{name}"' in section, name
    for name in demo["consumers"][0]:
        assert f'"{name}"' in section, name


def test_graph_document(cli, sandbox_chains):
    chains = sandbox_chains("seed")
    cli("--chains", chains, "probe", "-q")
    doc = _json(cli("--chains", chains, "chains", "graph", "--cached", "-o", "json"))
    _hold(doc, "aspirectl.graph/v1")
    section = _section("aspirectl.graph/v1")
    row = doc["families"]["gpt"][0]
    for name in [*row, *row["hops"][0]]:
        assert f'"{name}"' in section, name
