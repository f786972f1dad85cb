"""One self-contained HTML status page: the chain picture as inline SVG laid out here (families
as bands, one row per alias, hops as boxes in chain order, the declared fallbacks as dashed
arrows), the per-alias verdicts, the per-hop details with reset times, the gateway's drift if
it was checked, and when the probe ran.

No external request and no JavaScript: it reads the same from a file, a mail attachment or a
static web server. Every foreign string is escaped (upstream text is untrusted). Real text,
not pictures of text; each state is a word and a symbol as well as a colour (Okabe-Ito
colours, dark text on light fills, a page that follows the reader's light or dark scheme).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aspirectl.graph import DEFERRED, DOWN, FALLBACK, OK, UNKNOWN, WORD, build
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.graph import AliasRow, HopNode, LiveGraph
    from aspirectl.health import Assessment

FILL = {OK: "#b8e6d4", FALLBACK: "#f7d9a3", DOWN: "#f5c1a6", DEFERRED: "#e0e0e0", UNKNOWN: "#cfe8f7"}
STROKE = {OK: "#009E73", FALLBACK: "#E69F00", DOWN: "#D55E00", DEFERRED: "#666666", UNKNOWN: "#0072B2"}
DASH = {DEFERRED: "6 4", UNKNOWN: "2 3"}
SYMBOL = {OK: "✓", FALLBACK: "✓", DOWN: "✗", DEFERRED: "–", UNKNOWN: "?"}
STATUS_FILL = {"OK": "#b8e6d4", "WARNING": "#f7d9a3", "CRITICAL": "#f5c1a6", "UNKNOWN": "#cfe8f7"}

LANE = 150  # left lane for the declared-fallback arrows
ALIAS_W, HOP_W, END_W, GAP = 210, 230, 110, 34
ROW_H, BOX_H, BAND_H, TOP = 92, 70, 30, 10


def e(value: object, limit: int | None = 2000) -> str:
    """Foreign or not, every string goes through here: one line, escaped."""
    return html.escape(one_line(value, limit), quote=True)


def _box(x: int, y: int, w: int, kind: str | None, lines: list[tuple[str, str]], ident: str,
         title: str) -> str:
    fill = FILL.get(kind or "", "#ffffff")
    stroke = STROKE.get(kind or "", "#333333")
    dash = f' stroke-dasharray="{DASH[kind]}"' if kind in DASH else ""
    width = 3 if kind in (FALLBACK, DOWN) else 2
    out = [f'<g id="{ident}" class="node {kind or "alias"}"><title>{e(title)}</title>',
           f'<rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="8" fill="{fill}" stroke="{stroke}" '
           f'stroke-width="{width}"{dash}/>']
    for i, (text, weight) in enumerate(lines):
        out.append(f'<text x="{x + 10}" y="{y + 20 + i * 18}" font-weight="{weight}">{text}</text>')
    out.append("</g>")
    return "".join(out)


def _arrow(x1: int, y1: int, x2: int, y2: int, taken: bool, label: str = "") -> str:
    width, colour = (4, "#000000") if taken else (1.5, "#777777")
    marker = "url(#taken)" if taken else "url(#plain)"
    line = (f'<line x1="{x1}" y1="{y1}" x2="{x2 - 4}" y2="{y2}" stroke="{colour}" stroke-width="{width}" '
            f'marker-end="{marker}"/>')
    if label:
        line += f'<text x="{(x1 + x2) // 2}" y="{y1 - 6}" text-anchor="middle" font-size="11">{e(label)}</text>'
    return line


def _hop_lines(h: HopNode, share: float | None) -> list[tuple[str, str]]:
    state = WORD[h.kind]
    cause = f": {h.cause}" if h.kind not in (OK, FALLBACK) and h.cause != state else ""
    serving = " ★ serving" if h.serving else ""
    lines = [(e(f"{h.position}. {h.upstream}", 40), "bold"),
             (e(f"{SYMBOL[h.kind]} {state}{cause}{serving}", 40), "normal"),
             (e(f"{h.billing}" + (f" · {share:.0%} of traffic" if share else ""), 40), "normal")]
    return lines


def svg_picture(graph: LiveGraph) -> str:
    width = LANE + ALIAS_W + max((len(r.hops) for r in graph.rows), default=1) * (HOP_W + GAP) + END_W + GAP + 20
    y = TOP
    parts: list[str] = []
    anchors: dict[str, int] = {}  # alias -> y of its row's middle
    for family, rows in graph.families.items():
        parts.append(f'<text x="{LANE}" y="{y + 20}" class="band" font-weight="bold">{e(family)} family</text>')
        y += BAND_H
        for row in rows:
            anchors[row.alias] = y + BOX_H // 2
            parts.append(_row(row, y))
            y += ROW_H
        y += 8
    for row in graph.rows:
        if row.fallback_to and row.fallback_to in anchors:
            parts.append(_fallback_arrow(row, anchors[row.alias], anchors[row.fallback_to]))
    height = y + 10
    marker = ('<marker id="{0}" markerWidth="12" markerHeight="10" refX="10" refY="5" orient="auto" '
              'markerUnits="userSpaceOnUse"><path d="M0,0 L12,5 L0,10 z" fill="{1}"/></marker>')
    defs = ("<defs>" + marker.format("taken", "#000") + marker.format("plain", "#777")
            + marker.format("dashed", "#CC79A7") + "</defs>")
    summary = "; ".join(f"{r.alias}: {r.status}, {r.verdict}" for r in graph.rows)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="pic-title pic-desc" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" '
            f'font-size="13"><title id="pic-title">The live fallback chains</title>'
            f'<desc id="pic-desc">{e(summary, None)}</desc>{defs}{"".join(parts)}</svg>')


def _row(row: AliasRow, y: int) -> str:
    parts = []
    status_fill = STATUS_FILL.get(row.status, "#ffffff")
    parts.append(f'<g id="{row.id}" class="node alias"><title>{e(row.alias)}: {e(row.status)}</title>'
                 f'<rect x="{LANE}" y="{y}" width="{ALIAS_W}" height="{BOX_H}" rx="30" fill="{status_fill}" '
                 f'stroke="#333" stroke-width="1.5"/>'
                 f'<text x="{LANE + 14}" y="{y + 22}" font-weight="bold">{e(row.alias)}</text>'
                 f'<text x="{LANE + 14}" y="{y + 40}">{e(row.status)}</text>'
                 f'<text x="{LANE + 14}" y="{y + 58}" font-size="11">{e(row.verdict, 34)}</text></g>')
    own = next((h.position for h in row.hops if h.id == row.served_by), None)
    last_taken = own if own is not None else (len(row.hops) if (row.fails or row.fallback_taken) else 0)
    x = LANE + ALIAS_W
    middle = y + BOX_H // 2
    for h in row.hops:
        start = x
        x += GAP
        parts.append(_arrow(start, middle, x, middle, h.position <= last_taken))
        parts.append(_box(x, y, HOP_W, h.kind, _hop_lines(h, row.shares.get(h.id)), h.id,
                          f"{row.alias} hop {h.position}: {h.upstream} ({h.title}), {WORD[h.kind]}: {h.cause}"))
        x += HOP_W
    parts.append(_arrow(x, middle, x + GAP, middle, row.fails))
    x += GAP
    loud = "#D55E00" if row.fails else "#999999"
    parts.append(f'<g id="{row.end_id}" class="node loud"><title>no further fallback: the gateway fails '
                 f'loudly</title><rect x="{x}" y="{y + 10}" width="{END_W}" height="{BOX_H - 20}" fill="#fff" '
                 f'stroke="{loud}" stroke-width="{3 if row.fails else 1}"/>'
                 f'<text x="{x + 10}" y="{y + 32}">{"✗ " if row.fails else ""}fail loudly</text>'
                 f'<text x="{x + 10}" y="{y + 48}" font-size="11">{"now" if row.fails else "no fallback"}</text></g>')
    return "".join(parts)


def _fallback_arrow(row: AliasRow, y1: int, y2: int) -> str:
    kind = "cross-family fallback" if row.cross_family else "fallback"
    state = "taken now" if row.fallback_taken else "not taken"
    share = row.shares.get(row.id + "_fallback")
    if share:
        state = f"{share:.0%} of traffic"
    width = 3 if row.fallback_taken else 1.5
    control = LANE - 70
    path = (f'<path d="M{LANE},{y1} C{control},{y1} {control},{y2} {LANE - 2},{y2}" fill="none" '
            f'stroke="#CC79A7" stroke-width="{width}" stroke-dasharray="7 5" marker-end="url(#dashed)"/>')
    middle = (y1 + y2) // 2
    lines = ["declared", kind, f"{row.alias} →", f"{row.fallback_to}", state]
    label = "".join(f'<text x="4" y="{middle - 26 + i * 13}" font-size="10">{e(text, 28)}</text>'
                    for i, text in enumerate(lines))
    return (f'<g class="fallback" id="{row.id}_fallback"><title>declared {e(kind)}: {e(row.fallback_reason)}'
            f"</title>{path}{label}</g>")


CSS = """
:root { color-scheme: light dark; }
body { font-family: sans-serif; margin: 1.5rem; line-height: 1.4; background: #fff; color: #111; }
@media (prefers-color-scheme: dark) { body { background: #1b1b1b; color: #eee; }
  .picture { background: #f4f4f4; } table th { background: #333; } }
.picture { overflow-x: auto; background: #fff; color: #111; border: 1px solid #999; padding: .5rem; }
.status { display: inline-block; padding: .2rem .6rem; border: 2px solid #333; color: #000; font-weight: bold; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
@media (prefers-color-scheme: dark) { th { color: #fff; } }
td.state-OK, td.state-WARNING, td.state-CRITICAL, td.state-UNKNOWN { color: #000; font-weight: bold; }
td.state-OK { background: #b8e6d4; } td.state-WARNING { background: #f7d9a3; }
td.state-CRITICAL { background: #f5c1a6; } td.state-UNKNOWN { background: #cfe8f7; }
.legend span { display: inline-block; margin-right: 1rem; padding: .1rem .4rem; border: 2px solid; color: #000; }
"""


def _table(columns: tuple[str, ...], rows: list[list[tuple[str, str]]], ident: str) -> str:
    head = "".join(f"<th scope=\"col\">{e(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = "".join(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>" for text, cls in row)
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{ident}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def status_page(assessment: Assessment, catalog: Catalog, *, scenario: str | None = None,
                written_at: datetime | None = None, shares: dict[tuple[str, str], float] | None = None) -> str:
    from pathlib import Path

    from aspirectl.render.health import explanation, summary_line
    from aspirectl.render.route import served_text

    written_at = written_at or datetime.now(UTC)
    probed = assessment.report.started_at
    age = max(0.0, (written_at - probed).total_seconds())
    graph = build(catalog, list(assessment.decisions), assessment.report.source, shares)
    status = assessment.status.name
    aliases = [[(e(d.alias), ""), (e(d.status.name), f"state-{d.status.name}"), (e(served_text(d)), ""),
                (e(d.served.cost if d.served else "-"), ""), (e("; ".join(d.reasons) or "-"), "")]
               for d in assessment.decisions]
    hops = []
    for r in assessment.report.results:
        reset = r.reset_at.strftime("%Y-%m-%d %H:%MZ") if r.reset_at else (
            f"retry {r.retry_after_s:g}s" if r.retry_after_s is not None and not r.serves else "")
        mark = "✓" if r.serves else ("–" if r.known_down else "✗")
        hops.append([(e(r.alias), ""), (str(r.position), ""), (e(r.upstream), ""),
                     (e(f"{mark} {r.outcome.value}" + (" (declared down)" if r.known_down else "")), ""),
                     (e(r.http_status or "-"), ""), (e(f"{r.latency_ms:.0f} ms" if r.latency_ms else "-"), ""),
                     (e(reset), ""), (e(r.detail), "")])
    sections = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>aspirectl: {e(status)}</title><style>{CSS}</style></head><body>",
        f'<h1>LLM gateway chains: <span class="status" style="background:{STATUS_FILL[status]}">{e(status)}</span></h1>',
        f'<p id="summary">{e(summary_line(assessment), None)}</p>',
        f'<p>Probed at <time id="probed-at" datetime="{probed.isoformat()}">{probed:%Y-%m-%d %H:%M:%S}Z</time> '
        f'({e(assessment.report.source)}); this page was written {age:.0f} s later, at '
        f'<time datetime="{written_at.isoformat()}">{written_at:%Y-%m-%d %H:%M:%S}Z</time>. '
        f'Catalog: <code>{e(Path(catalog.directory).resolve())}</code>'
        + (f"; sandbox scenario <code>{e(scenario)}</code>" if scenario else "") + ".</p>",
        '<h2>The chains now</h2><p class="legend">'
        + "".join(f'<span style="background:{FILL[k]};border-color:{STROKE[k]}">{SYMBOL[k]} {WORD[k]}</span>'
                  for k in (OK, FALLBACK, DOWN, DEFERRED, UNKNOWN))
        + '<span style="border-color:#CC79A7">- - → declared fallback</span>'
        + '<span style="border-color:#000">━━ the path traffic takes now</span></p>',
        f'<div class="picture">{svg_picture(graph)}</div>',
        "<h2>Aliases</h2>" + _table(("Alias", "Status", "Served by", "Cost", "Why"), aliases, "aliases"),
        "<h2>Hops</h2>" + _table(("Alias", "#", "Upstream", "Outcome", "HTTP", "Latency", "Reset / retry",
                                  "Detail"), hops, "hops"),
    ]
    gateway = assessment.gateway
    if gateway is not None:
        rows = [[(e(a.alias), ""), (e(a.served or (f"error {a.status}" if a.status else "no answer")), ""),
                 (e(a.expected or "fails loudly"), ""), (e("DRIFT" if a.drift else "as predicted"),
                                                         "state-WARNING" if a.drift else ""),
                 (e(a.message or ""), "")] for a in gateway.aliases]
        sections.append(f"<h2>The running gateway</h2><p>{e(gateway.url)}: "
                        f"{'alive' if gateway.alive else 'DOWN'}, {'ready' if gateway.ready else 'NOT READY'}, "
                        f"db {e(gateway.db)}. {e('; '.join(gateway.reasons))}</p>"
                        + _table(("Alias", "Served by (gateway)", "Expected (route)", "Drift", "Gateway error"),
                                 rows, "gateway"))
    if assessment.acknowledgements:
        from aspirectl.render.health import ack_lines

        sections.append("<h2>Acknowledged</h2><ul>"
                        + "".join(f"<li>{e(line, None)}</li>" for line in ack_lines(assessment)) + "</ul>")
    explained = explanation(assessment).splitlines()
    sections.append("<h2>What this means</h2><ul>"
                    + "".join(f"<li>{e(line.lstrip('- '), None)}</li>" for line in explained[1:]) + "</ul>")
    sections.append("</body></html>")
    return "\n".join(sections) + "\n"
