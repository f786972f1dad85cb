"""The output formats of every command, in one table: the commands check ``-o`` against it
and TAB completion offers exactly these (no format a command would then refuse)."""

from __future__ import annotations

HEALTH = ("table", "json", "prometheus", "nagios")
DATA = ("table", "json", "yaml")
PLAIN = ("table", "json")

FORMATS: dict[str, tuple[str, ...]] = {
    "probe": (*HEALTH, "html"),
    "demo": (*HEALTH, "html", "mermaid"),
    "route": (*PLAIN, "nagios"),
    "usage": HEALTH,
    "chains list": DATA,
    "chains show": DATA,
    "chains validate": DATA,
    "chains graph": ("mermaid", "json"),
    "keys list": PLAIN,
    "keys show": PLAIN,
    "keys create": PLAIN,
    "keys rotate": PLAIN,
    "keys revoke": PLAIN,
    "keys provision": PLAIN,
    "keys scan": PLAIN,
    "keys audit": HEALTH,
    "secrets list": PLAIN,
    "ack list": PLAIN,
}
ALL = tuple(dict.fromkeys(f for formats in FORMATS.values() for f in formats))


def formats_of(command_path: str) -> tuple[str, ...]:
    """'aspirectl keys list' (a Click command path) -> that command's formats."""
    words = command_path.split()[1:]
    return FORMATS.get(" ".join(words), ALL)
