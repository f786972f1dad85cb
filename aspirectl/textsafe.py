"""One sanitiser for every foreign string (upstream and gateway answers, chain-file notes,
scanned file names) before it can reach a terminal, a log line, a Nagios line or a comment.

* C0/C1 control characters (ESC, OSC, BEL, NUL, ...), DEL and the Unicode line and
  paragraph separators become spaces, so no escape sequence reaches a terminal and no text
  can start a new line of its own (a forged ``ASPIRECTL OK`` line, a YAML key);
* bidirectional overrides and isolates are dropped (they reorder what a person reads);
* runs of white space collapse to one space; the result is capped with an ellipsis.

Rich markup is escaped where Rich draws (``render/table.py``), and ``|`` where a Nagios line
is written (``render/nagios.py``): those are the only two places where a plain character
means something.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, NEL, line/paragraph separators.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidi embeddings, overrides and isolates, zero-width joiners used to hide text.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s{2,}")

DEFAULT_LIMIT = 2000


def one_line(text: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """``text`` as one printable line: no control characters, no line breaks, capped."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if not value.isprintable() or "  " in value:
        value = _INVISIBLE.sub("", _BREAKING.sub(" ", value))
        value = _SPACES.sub(" ", value)
    value = value.strip()
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 1)] + "…"
    return value


def printable_lines(text: str) -> str:
    """Text of several lines (a notice on stderr) with every line made printable: control
    characters become spaces, invisible ones are dropped, indentation is kept."""
    return "\n".join(_INVISIBLE.sub("", _BREAKING.sub(" ", line)) for line in text.split("\n"))


def optional_line(text: object, limit: int | None = DEFAULT_LIMIT) -> str | None:
    cleaned = one_line(text, limit) if text is not None else ""
    return cleaned or None


def nagios_text(text: str) -> str:
    """A monitoring-plugin line cannot hold '|' outside its perfdata separator."""
    return one_line(text, None).replace("|", "/")
