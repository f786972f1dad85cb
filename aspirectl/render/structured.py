"""JSON and YAML of result documents. Key order is the documents' own; stable."""

from __future__ import annotations

from typing import Any


def to_json(document: Any) -> str:
    import json

    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def to_yaml(document: Any) -> str:
    import json

    import yaml

    return yaml.safe_dump(json.loads(json.dumps(document, default=str)), sort_keys=False,
                          allow_unicode=True, width=100)
