"""The live chain as Mermaid ``graph LR`` (pastes into GitLab/GitHub Markdown).

Every (alias, hop) is a node whose class is its state (colour-blind-safe Okabe-Ito colours,
dark text on light fills, readable on light and dark pages; the state is also a word in the
label and deferred hops have a dashed border, so nothing is said by colour alone). The edges
an alias actually takes are thick; the declared fallback is a dashed, labelled edge. Node ids
come from names only: two pictures diff line by line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aspirectl.graph import CLASSES, FALLBACK, WORD, node_id
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.graph import AliasRow, HopNode, LiveGraph

# Okabe-Ito: bluish green, orange, vermillion, grey, sky blue.
STYLE = {
    "ok": "fill:#b8e6d4,stroke:#009E73,stroke-width:2px,color:#000",
    "fallback": "fill:#f7d9a3,stroke:#E69F00,stroke-width:3px,color:#000",
    "down": "fill:#f5c1a6,stroke:#D55E00,stroke-width:3px,color:#000",
    "deferred": "fill:#e0e0e0,stroke:#666666,stroke-width:2px,stroke-dasharray:5 4,color:#000",
    "unknown": "fill:#cfe8f7,stroke:#0072B2,stroke-width:2px,stroke-dasharray:2 2,color:#000",
    "alias": "fill:#ffffff,stroke:#333333,stroke-width:1px,color:#000",
    "loud": "fill:#ffffff,stroke:#D55E00,stroke-width:2px,color:#000",
}


def text(value: str, limit: int = 60) -> str:
    """Label text Mermaid cannot take as syntax: one line, quotes and brackets as entities."""
    cleaned = one_line(value, limit)
    for raw, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("[", "#91;"),
                        ("]", "#93;"), ("{", "#123;"), ("}", "#125;"), ("|", "#124;"), ("`", "#96;")):
        cleaned = cleaned.replace(raw, entity)
    return cleaned


def _label(h: HopNode) -> str:
    """'2. openai-api<br/>paid · serves ★ serving' or
    '1. codex-shim<br/>subscription · declared down: refused'."""
    state = WORD[h.kind]
    cause = f": {text(h.cause, 40)}" if h.kind not in ("ok", FALLBACK) and h.cause != state else ""
    serving = " ★ serving" if h.serving else ""
    return f"{h.position}. {text(h.upstream)}<br/>{text(h.billing)} · {text(state)}{cause}{serving}"


def _share(row: AliasRow, ident: str) -> str:
    share = row.shares.get(ident)
    return f"|{share:.0%} of traffic|" if share else ""


def _edges(row: AliasRow) -> list[str]:
    """alias -> hop 1 -> hop 2 ... -> fail loudly, thick where traffic goes now; the declared
    fallback dashed and labelled."""
    own = next((h.position for h in row.hops if h.id == row.served_by), None)
    last_taken = own if own is not None else (len(row.hops) if (row.fails or row.fallback_taken) else 0)
    out, previous = [], row.id
    for h in row.hops:
        arrow = "==>" if h.position <= last_taken else "-->"
        label = _share(row, h.id) or ("" if previous == row.id else "|next|")
        out.append(f"  {previous} {arrow}{label} {h.id}")
        previous = h.id
    out.append(f"  {previous} {'==>' if row.fails else '-->'}|no further fallback| {row.end_id}")
    if row.fallback_to:
        kind = "declared cross-family fallback" if row.cross_family else "declared fallback"
        share = row.shares.get(row.id + "_fallback")
        now = f", {share:.0%} of traffic" if share else (", taken now" if row.fallback_taken else "")
        out.append(f"  {row.id} -.->|{text(kind + now)}| {node_id('alias', row.fallback_to)}")
    return out


def live_mermaid(graph: LiveGraph) -> str:
    lines = ["graph LR"]
    for kind in (*CLASSES, "alias", "loud"):  # ("end" is a Mermaid keyword)
        lines.append(f"  classDef {kind} {STYLE[kind]}")
    for family, rows in graph.families.items():
        lines.append(f'  subgraph {node_id("fam", family)}["{text(family)}"]')
        for row in rows:
            head = f"{text(row.alias)}<br/>{text(row.status)}: {text(row.verdict, 70)}"
            lines.append(f'    {row.id}(["{head}"])')
            for h in row.hops:
                lines.append(f'    {h.id}["{_label(h)}"]')
            lines.append(f'    {row.end_id}{{{{"fail loudly"}}}}')
        lines.append("  end")
    for row in graph.rows:
        lines.extend(_edges(row))
    for row in graph.rows:
        lines.append(f"  class {row.id} alias")
        lines.append(f"  class {row.end_id} loud")
        for h in row.hops:
            lines.append(f"  class {h.id} {h.kind}")
    return "\n".join(lines) + "\n"


def declared_mermaid(catalog: Catalog) -> str:
    """The declared chain, ``graph LR``: family -> aliases -> hops in order -> fail loudly.
    Titles come from the chain files: every label goes through ``text`` (no directive, no
    click line, no HTML, no fake node), every id through ``node_id`` (no collision)."""
    lines = ["graph LR"]
    for fam in catalog.families.values():
        lines.append(f'  subgraph {node_id("fam", fam.name)}["{text(fam.title)}"]')
        for alias in fam.aliases:
            lines.append(f'    {node_id("alias", alias)}(["{text(alias)}"])')
        lines.append("  end")
        prev = None
        for i, hop in enumerate(fam.hops, 1):
            up = catalog.upstreams[hop.upstream]
            hid = node_id("hop", fam.name, str(i), hop.upstream)
            state = f"<br/>{text(up.state.status.value)}" if up.state else ""
            lines.append(f'  {hid}["{i}. {text(up.title)}<br/>{text(up.billing.value)}{state}"]')
            if prev is None:
                for alias in fam.aliases:
                    lines.append(f"  {node_id('alias', alias)} --> {hid}")
            else:
                lines.append(f"  {prev} -->|fallback| {hid}")
            prev = hid
        end = node_id("end", fam.name)
        lines.append(f'  {end}{{{{"fail loudly"}}}}')
        if prev:
            lines.append(f"  {prev} -->|no further fallback| {end}")
        for fb in fam.fallbacks:
            label = "cross-family fallback" if fb.cross_family else "fallback"
            lines.append(f"  {node_id('alias', fb.alias)} -.->|{label}| {node_id('alias', fb.target)}")
    return "\n".join(lines) + "\n"
