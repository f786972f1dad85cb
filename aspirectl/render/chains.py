"""Text for ``aspirectl chains ...``."""

from __future__ import annotations

from aspirectl.catalog.problems import Problem
from aspirectl.catalog.views import AliasChain, HopView
from aspirectl.render.table import Style, Table, paint, render_table
from aspirectl.textsafe import one_line as line

# Titles, notes, reasons and advice are the chain files' free text: a crafted catalog could
# carry escape sequences or line breaks, so each is one printable line here (``line``).

FAIL_LOUDLY = "fail loudly"


def listing_text(chains: list[AliasChain], style: Style) -> str:
    rows = []
    for c in chains:
        path = " -> ".join(h.tag for h in c.hops)
        if c.fallback:
            kind = "cross-family fallback" if c.fallback.cross_family else "fallback"
            path += f" -> {kind}: {c.fallback.target}"
        path += f" -> {FAIL_LOUDLY}"
        rows.append((c.alias, c.family, path))
    return render_table(Table(("ALIAS", "FAMILY", "CHAIN (in order)"), rows), style)


def _hop_lines(h: HopView, indent: str) -> list[str]:
    lines = [f"{indent}{h.position}. {h.upstream} — {line(h.title)}"]
    sub = indent + "   "
    lines.append(f"{sub}protocol {h.protocol}, model {line(h.model)}, {h.billing} ({line(h.cost)})")
    lines.append(f"{sub}credential: {h.credential or 'none'}")
    if h.state:
        since = f" since {line(h.state.since)}" if h.state.since else ""
        lines.append(f"{sub}declared {h.state.status.value}{since}: {line(h.state.note)}")
    if h.why:
        lines.append(f"{sub}why: {line(h.why)}")
    if h.note:
        lines.append(f"{sub}note: {line(h.note)}")
    if h.data_retention != "provider-default":
        cleared = ", ".join(h.cleared_for) or "nothing"
        lines.append(f"{sub}data: retention {h.data_retention}; cleared for {cleared} "
                     "(sensitivity routing is designed, not enforced)")
        if h.data_note:
            lines.append(f"{sub}      {line(h.data_note)}")
    return lines


def alias_tree(chain: AliasChain, style: Style) -> str:
    lines = [paint(f"{chain.alias}", "bold", style) + f"  (family {chain.family})"]
    for h in chain.hops:
        lines.extend(_hop_lines(h, "  "))
    if chain.fallback:
        fb = chain.fallback
        kind = "CROSS-FAMILY fallback" if fb.cross_family else "fallback"
        lines.append(f"  then {kind} -> {fb.target}")
        if fb.reason:
            lines.append(f"     reason: {line(fb.reason)}")
        if fb.advice:
            lines.append(f"     advice: {line(fb.advice)}")
    lines.append(f"  then no further fallback — {FAIL_LOUDLY}")
    return "\n".join(lines) + "\n"


def family_tree(title: str, name: str, chains: list[AliasChain], note: str, style: Style) -> str:
    head = paint(line(title), "bold", style) + f"  (family {name})"
    parts = [head + "\n" + (f"  {line(note)}\n" if note else "")]
    parts.extend(alias_tree(c, style) for c in chains)
    return "\n".join(parts)


def problems_text(problems: list[Problem]) -> str:
    n = len(problems)
    body = "".join(f"{p}\n" for p in problems)
    return body + f"{n} problem{'s' if n != 1 else ''} found\n"
