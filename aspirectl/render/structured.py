"""JSON and YAML of result documents. Key order is the documents' own; stable.

This is the one point where every machine-readable document leaves the process, so every
string in it is redacted here (an upstream that echoes a key in its request id or error code
cannot leak it through ``-o json``). The only document that carries a secret on purpose, the
new key of ``keys create -o json``, says so with ``secret=True``.
"""

from __future__ import annotations

from typing import Any


def _safe(document: Any) -> Any:
    from aspirectl.secrets.redact import redact_obj

    return redact_obj(document)


def to_json(document: Any, *, secret: bool = False) -> str:
    import json

    shown = document if secret else _safe(document)
    return json.dumps(shown, indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"


def to_yaml(document: Any) -> str:
    import json

    import yaml

    return yaml.safe_dump(json.loads(json.dumps(_safe(document), default=str)), sort_keys=False,
                          allow_unicode=True, width=100)
