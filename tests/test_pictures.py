"""The live chain as a person sees it: the Mermaid text parsed and rendered by the real
`mermaid` package in headless Chromium for every sandbox scenario, and the HTML status page
opened in headless Chromium (DOM checked, a screenshot kept as a test artefact, and no network
request allowed: every request the browser makes goes through a recording proxy)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aspirectl.graph import build, node_id
from aspirectl.render.html import status_page
from aspirectl.render.mermaid import live_mermaid
from aspirectl.sandbox.catalogue import SCENARIO_NAMES
from aspirectl.sandbox.httpserver import Response
from tests import pgutil
from tests.conftest import ROOT, SHIPPED_CHAINS
from tests.hostile import http_server
from tests.sandboxing import probe_box, running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MERMAID_JS = pgutil.CI_CACHE / "node" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
ARTIFACTS = Path(os.environ.get("ASPIRECTL_TEST_ARTIFACTS", ROOT / "test-artifacts"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-pings",
         "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-breakpad",
         "--disable-features=NetworkTimeServiceQuerying,OptimizationHintsFetching,MediaRouter,Translate,"
         "AutofillServerCommunication,CertificateTransparencyComponentUpdater"]
# What Chromium itself still contacts with every flag above (its updater and account checks,
# seen with an empty page): never the page's doing.
BROWSER_HOSTS = {"update.googleapis.com", "accounts.google.com", "clients2.google.com",
                 "redirector.gvt1.com", "edgedl.me.gvt1.com", "optimizationguide-pa.googleapis.com",
                 "content-autofill.googleapis.com", "android.clients.google.com", "www.google.com"}


def _host(request_line: str, host_header: str) -> str:
    return (host_header or request_line.split()[1]).split(":")[0].lower()


def _need_browser() -> str:
    if not CHROMIUM:
        pytest.fail("headless Chromium is needed (Debian package chromium): run scripts/test, which installs it")
    return CHROMIUM


def _chromium(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    return subprocess.run([_need_browser(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout)


def _assess(scenario: str):
    with running(scenario) as box:
        catalog = box.sandbox_catalog()
        return probe_box(box, list(catalog.aliases), timeout=1.0, deadline=3.0), catalog


def render_in_mermaid(text: str, tmp_path: Path) -> dict:
    """Parse and render ``text`` with the real mermaid in headless Chromium: {"ok", "nodes":
    [[id, class]...], "svg"} or {"ok": false, "error"}."""
    if not MERMAID_JS.is_file():
        pytest.fail(f"the mermaid npm package is needed at {MERMAID_JS}: run scripts/test, which installs it")
    shutil.copy(MERMAID_JS, tmp_path / "mermaid.min.js")
    page = tmp_path / "page.html"
    page.write_text(f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="mermaid.min.js"></script></head><body><pre id="result">pending</pre><div id="out"></div>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
(async () => {{
  const res = {{ok: false}};
  try {{
    await mermaid.parse({json.dumps(text)});
    const {{svg}} = await mermaid.render('g1', {json.dumps(text)});
    document.getElementById('out').innerHTML = svg;
    res.nodes = [...document.querySelectorAll('#out g.node')].map(n => [n.id, n.getAttribute('class')]);
    res.svg = svg;
    res.ok = true;
  }} catch (e) {{ res.error = String((e && e.message) || e); }}
  document.getElementById('result').textContent = JSON.stringify(res);
}})();
</script></body></html>""")
    dom = _chromium(tmp_path, "--virtual-time-budget=20000", "--dump-dom", page.as_uri()).stdout
    raw = dom.split('<pre id="result">', 1)[1].split("</pre>", 1)[0]
    import html

    result = json.loads(html.unescape(raw))
    return result


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_the_live_mermaid_renders_in_the_real_mermaid_for_every_scenario(scenario, tmp_path):
    if not MERMAID_JS.is_file():
        pytest.fail(f"the mermaid npm package is needed at {MERMAID_JS}: run scripts/test, which installs it")
    assessment, catalog = _assess(scenario)
    graph = build(catalog, list(assessment.decisions), "live")
    text = live_mermaid(graph)
    result = render_in_mermaid(text, tmp_path)
    assert result["ok"], result.get("error")
    rendered = {}
    for element_id, classes in result["nodes"]:
        ident = element_id.removeprefix("g1-flowchart-").rsplit("-", 1)[0]
        rendered[ident] = classes.split()
    hops = [h for row in graph.rows for h in row.hops]
    assert len([i for i in rendered if i.startswith("hop__")]) == len(hops) == len(
        [h for d in assessment.decisions for h in d.hops])  # one node per hop
    for hop in hops:
        assert hop.kind in rendered[hop.id], (hop.id, rendered[hop.id])
    if scenario == "seed":
        kinds = {h.id: h.kind for h in hops}
        assert kinds["hop__gpt_h5_d5__1__codex_hshim"] == "deferred"
        assert kinds[node_id("hop", "gemini-2.5-pro", "1", "google-code-assist")] == "down"
        assert kinds[node_id("hop", "gemini-2.5-pro", "2", "google-ai-studio")] == "fallback"
        assert (f"{node_id('alias', 'qwen-3.6-omni')} -.->|declared cross-family fallback, taken now| "
                f"{node_id('alias', 'claude-haiku-4-5')}") in text
        assert "alias__gpt_h5_d5 ==> hop__gpt_h5_d5__1__codex_hshim" in text  # the path taken is thick
    # Stable, distinct ids: another probe of the same catalog draws the same node ids (two
    # pictures diff line by line), and no two nodes share one.
    ids = [n.id for row in graph.rows for n in (row, *row.hops)]
    again = build(catalog, list(_assess(scenario)[0].decisions), "live")
    assert ids == [n.id for row in again.rows for n in (row, *row.hops)]
    assert len(ids) == len(set(ids))


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] = []
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("src", "href"):
            if attributes.get(name):
                self.external.append(attributes[name])
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self._table = attributes.get("id")
            self.tables[self._table or ""] = []
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row:
            self.tables[self._table].append(self._row)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_the_status_page_in_a_browser(scenario, tmp_path):
    assessment, catalog = _assess(scenario)
    page = status_page(assessment, catalog, scenario=scenario)
    requests: list[str] = []
    proxied: list[str] = []

    def serve(req):
        requests.append(req.path)
        return Response(200, page.encode(), {"content-type": "text/html; charset=utf-8"})

    def proxy(req):
        proxied.append(_host(f"{req.method} {req.path}", req.header("host")))
        return Response(502, b"no network for this page")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"status-{scenario}.png"
    with http_server(serve) as url, http_server(proxy) as proxy_url:
        # Every request but the page itself goes through the recording proxy.
        routing = [f"--proxy-server={proxy_url}"]  # loopback (the page) goes direct
        dom = _chromium(tmp_path, *routing, "--dump-dom", f"{url}/status.html").stdout
        _chromium(tmp_path, *routing, "--window-size=1400,1800", f"--screenshot={shot}", f"{url}/status.html")
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert [p for p in requests if p != "/favicon.ico"] == ["/status.html", "/status.html"], requests
    # The page asked for nothing outside itself: whatever went to the proxy is Chromium's own.
    assert set(proxied) <= BROWSER_HOSTS, proxied
    parsed = _Dom()
    parsed.feed(dom)
    assert parsed.scripts == 0 and not [x for x in parsed.external if not x.startswith("#")]
    verdicts = {row[0]: row[1] for row in parsed.tables["aliases"]}
    assert verdicts == {d.alias: d.status.name for d in assessment.decisions}
    hop_rows = {(row[0], row[2]) for row in parsed.tables["hops"]}
    assert hop_rows == {(r.alias, r.upstream) for r in assessment.report.results}
    for d in assessment.decisions:
        for h in d.hops:
            assert node_id("hop", d.alias, str(h.position), h.upstream) in parsed.ids


def test_demo_html_shows_the_seed_story_at_a_glance(cli, tmp_path):
    result = cli("--chains", SHIPPED_CHAINS, "demo", "-o", "html")
    assert result.code == 1
    page = result.out
    assert "1. codex-shim" in page and "declared down: refused" in page
    assert "2. openai-api" in page and "★ serving" in page
    assert "cross-family fallback" in page and "qwen-3.6-omni →" in page and "claude-haiku-4-5" in page
    assert "1. google-code-assist" in page and "down: overloaded" in page
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_probe_html_file_is_written_atomically_and_foreign_text_is_escaped(cli, tmp_path, monkeypatch):
    from tests.hostile import chains_pointing, credential_env

    for name, value in credential_env().items():
        monkeypatch.setenv(name, value)
    evil = {"error": {"message": "<script>alert(1)</script><img src=http://evil.example/x>",
                      "type": "</td><b>forged</b>", "code": "x"}}
    with http_server(lambda req: Response(500, evil)) as url:
        chains = chains_pointing(tmp_path / "chains", {"openai-api": url, "codex-shim": url})
        target = tmp_path / "status.html"
        victim = tmp_path / "victim"
        victim.write_text("precious\n")
        target.symlink_to(victim)
        result = cli("--chains", chains, "probe", "gpt", "--html", target, "-q", "--timeout", "2")
    assert result.code == 2
    assert victim.read_text() == "precious\n" and not target.is_symlink()
    page = target.read_text()
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert "<script" not in page and "<img" not in page and "<b>forged" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_demo_draws_the_same_live_picture(cli):
    result = cli("--chains", SHIPPED_CHAINS, "demo", "-o", "mermaid")
    assert result.code == 1 and result.out.startswith("graph LR")
    assert "class hop__gpt_h5_d5__1__codex_hshim deferred" in result.out
    assert f"class {node_id('hop', 'gemini-2.5-pro', '2', 'google-ai-studio')} fallback" in result.out
