"""One table shape for every command: Rich on a TTY, aligned plain text elsewhere."""


import io
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from aspirectl.textsafe import one_line


class Table(NamedTuple):
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str = ""
    styles: Mapping[int, str] = MappingProxyType({})  # row index -> rich style


class Style(NamedTuple):
    """How to draw: Rich boxes only on a terminal; colour only if allowed."""

    rich: bool = False
    color: bool = False
    width: int | None = None


def _cell(value: object) -> str:
    """Every cell is one printable line: data may be foreign (upstream text, chain notes)."""
    return one_line(value, None)


def plain(table: Table) -> str:
    """Aligned columns separated by two spaces; no box drawing, safe for grep and cut."""
    cells = [list(table.columns), *[[_cell(c) for c in row] for row in table.rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
    out = []
    if table.title:
        out.append(table.title)
    for row in cells:
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        out.append(line)
    return "\n".join(out) + "\n"


def render_table(table: Table, style: Style) -> str:
    if not style.rich:
        return plain(table)
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table as RichTable

    # Data is never markup: '[paid]' stays text, '[link=...]' or '[/bogus]' from an upstream
    # is shown as written, not interpreted.
    rt = RichTable(title=escape(_cell(table.title)) or None, title_justify="left", header_style="bold")
    for col in table.columns:
        rt.add_column(escape(col), overflow="fold")
    for i, row in enumerate(table.rows):
        rt.add_row(*[escape(_cell(c)) for c in row], style=table.styles.get(i) if style.color else None)
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, no_color=not style.color,
                      color_system="standard" if style.color else None, width=style.width,
                      highlight=False)
    console.print(rt)
    return buf.getvalue()


def paint(text: str, style_name: str, style: Style) -> str:
    """Wrap a short text in an ANSI colour when colour is allowed."""
    if not style.color:
        return text
    codes = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2", "cyan": "36"}
    code = codes.get(style_name)
    return f"\x1b[{code}m{text}\x1b[0m" if code else text
