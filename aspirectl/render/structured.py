"""JSON and YAML of result documents. Key order is the documents' own; stable.

This is the one point where every machine-readable document leaves the process, so every
string in it is redacted here (an upstream that echoes a key in its request id or error code
cannot leak it through ``-o json``). The only document that carries a secret on purpose, the
new key of ``keys create -o json``, says so with ``secret=True``.
"""

from __future__ import annotations

import re
from typing import Any


def _safe(document: Any) -> Any:
    from aspirectl.secrets.redact import redact_obj

    return redact_obj(document)


_INERT = re.compile(r"[\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def to_json(document: Any, *, secret: bool = False) -> str:
    import json

    shown = document if secret else _safe(document)
    text = json.dumps(shown, indent=2, ensure_ascii=False, default=str, allow_nan=False)
    # json escapes only C0 controls: DEL, C1, line separators and bidi/invisible characters in
    # foreign strings are written as \uXXXX too (same data, nothing a terminal acts on).
    return _INERT.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"


def to_yaml(document: Any) -> str:
    import json

    import yaml

    return yaml.safe_dump(json.loads(json.dumps(_safe(document), default=str)), sort_keys=False,
                          allow_unicode=True, width=100)
