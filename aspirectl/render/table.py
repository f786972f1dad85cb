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


def word_widths(table: Table) -> list[int]:
    """Each column's longest word: narrower than that, a name or a hint would be cut."""
    cells = [list(table.columns), *[[_cell(c) for c in row] for row in table.rows]]
    return [max((len(w) for r in cells for w in r[i].split()), default=1) for i in range(len(table.columns))]


def least_width(table: Table) -> int:
    """The narrowest the table can be drawn with no word broken (Rich's borders, padding)."""
    widths = word_widths(table)
    return sum(widths) + 3 * len(widths) + 1


def stacked(table: Table, width: int) -> str:
    """A table too wide for the terminal as one block per row (kubectl/gh's narrow layout):
    the first column as the row's head, then 'COLUMN: value' lines wrapped at word
    boundaries to ``width``; a name longer than a line overflows it, it is never broken."""
    import textwrap

    out = [table.title] if table.title else []
    for row in table.rows:
        cells = [_cell(c) for c in row]
        out.append(cells[0])
        for column, value in zip(table.columns[1:], cells[1:], strict=True):
            if value in ("", "-"):
                continue
            out.append(textwrap.fill(f"{column}: {value}", width=max(20, width), initial_indent="  ",
                                     subsequent_indent="    ", break_long_words=False,
                                     break_on_hyphens=False))
    return "\n".join(out) + "\n"


def fold(line: str, style: Style, indent: str = "", hanging: str = "  ") -> str:
    """One line for a terminal, folded at word boundaries to its width (a name longer than a
    line overflows it, never broken); piped output keeps its lines whole for grep and cut."""
    if not style.rich:
        return indent + line
    import shutil
    import textwrap

    width = max(40, style.width or shutil.get_terminal_size((100, 24)).columns)
    if len(indent) + len(line) <= width:
        return indent + line
    return textwrap.fill(line, width=width, initial_indent=indent, subsequent_indent=indent + hanging,
                         break_long_words=False, break_on_hyphens=False)


def wrap_prose(text: str, style: Style) -> str:
    """Prose of several lines for a terminal: each line folded (``fold``)."""
    return "\n".join(fold(line, style) for line in text.split("\n"))


def render_table(table: Table, style: Style) -> str:
    if not style.rich:
        return plain(table)
    if style.width and least_width(table) > style.width:
        return stacked(table, style.width)
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table as RichTable

    # Data is never markup: '[paid]' stays text, '[link=...]' or '[/bogus]' from an upstream
    # is shown as written, not interpreted.
    rt = RichTable(title=escape(_cell(table.title)) or None, title_justify="left", header_style="bold")
    for col, least in zip(table.columns, word_widths(table), strict=True):
        # Rich wraps at spaces; a column never narrower than its longest word breaks none.
        rt.add_column(escape(col), overflow="fold", min_width=least)
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
