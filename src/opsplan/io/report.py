"""One self-contained HTML report of a result: KPIs, charts and tables, readable offline.

plotly.js is written inline once (no CDN, no network). A small script records any script error
on the page (`data-script-errors` on <html>) so that a headless browser test can read it.
"""

from __future__ import annotations

import contextlib
import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..core import registry
from ..core.result import SolveResult
from ..core.tables import Chart
from .charts import CSS_FONTS, chart_div
from .text import fmt_value
from .write_tables import result_tables

STATUS_TEXT = {
    "optimal": (
        "Best possible plan",
        "No plan can do better under the rules given: the solver proved it.",
        "good",
    ),
    "feasible": (
        "Good plan, not proven best",
        "A valid plan found before the time limit; a better one may exist (see the gap).",
        "warn",
    ),
    "infeasible": (
        "No plan possible",
        "The rules given cannot all hold at once; the reasons are listed under Diagnosis.",
        "bad",
    ),
    "no_solution": (
        "No plan found in time",
        "The time limit ran out before any plan was found; allow more time.",
        "bad",
    ),
    "unbounded": (
        "Unbounded",
        "The objective can improve without limit: a rule is missing.",
        "bad",
    ),
    "error": (
        "Plan rejected",
        "Something went wrong, or the independent check found a broken "
        "rule; see Violations and Messages.",
        "bad",
    ),
}

TABLE_HELP = {
    "summary": "How the plan was found.",
    "kpis": "Every key figure of the plan.",
    "penalties": "What each objective term or soft rule contributes to the objective.",
    "violations": "Rules the independent checker found broken. Empty means the plan was "
    "checked and keeps every rule.",
    "diagnosis": "Why no plan is possible, in terms of the input.",
}

TABLE_TITLES = {"kpis": "All key figures", "machine_sequence": "Machine sequences"}

CSS = """
:root { --good:#1a7f37; --warn:#b58100; --bad:#c62828; --ink:#1f2328; --mute:#59636e; }
* { box-sizing: border-box; }
body { font-family: FONTS; color: var(--ink); margin: 0; background: #f6f8fa; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.sub, p.note { color: var(--mute); margin: 2px 0 10px; }
.status { border-radius: 8px; padding: 14px 18px; margin: 18px 0; background: white;
  border-left: 8px solid var(--mute); }
.status.good { border-color: var(--good); } .status.warn { border-color: var(--warn); }
.status.bad { border-color: var(--bad); }
.status b { font-size: 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.card { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 22px; font-weight: 600; margin: 2px 0; word-break: break-word; }
.card .k { font-size: 13px; color: var(--mute); }
.card .h { font-size: 12px; color: var(--mute); margin-top: 4px; }
.chart { background: white; border: 1px solid #d0d7de; border-radius: 8px; padding: 6px;
  margin: 8px 0 18px; }
.scroll { max-height: 460px; overflow: auto; background: white; border: 1px solid #d0d7de;
  border-radius: 8px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eaeef2; text-align: left;
  white-space: nowrap; }
th { position: sticky; top: 0; background: #eef2f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.late td { background: #fdecea; }
.empty { color: var(--mute); font-style: italic; }
footer { color: var(--mute); font-size: 12px; margin-top: 40px; }
ul.msgs { font-size: 13px; color: var(--mute); }
"""

ERROR_CAPTURE = """<script>
window.__opsplanErrors = [];
window.addEventListener('error', function (e) {
  window.__opsplanErrors.push(String(e.message || e));
  document.documentElement.setAttribute('data-script-errors', window.__opsplanErrors.length);
});
</script>"""

DONE = """<script>
// after loading, wait (at most 5 s) until every chart has drawn, then say so on <html>
window.addEventListener('load', function () {
  var root = document.documentElement, tries = 0;
  function drawn() {
    return Array.from(document.querySelectorAll('.chart .plotly-graph-div'))
      .filter(function (d) { return d.querySelector('.main-svg .trace, .main-svg .hm'); }).length;
  }
  (function check() {
    var total = document.querySelectorAll('.chart .plotly-graph-div').length, n = drawn();
    if (n < total && tries++ < 50) { setTimeout(check, 100); return; }
    root.setAttribute('data-charts', total);
    root.setAttribute('data-charts-drawn', n);
    if (!root.hasAttribute('data-script-errors')) root.setAttribute('data-script-errors', '0');
  })();
});
</script>"""


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _kpi_value(key: str, v: Any) -> str:
    if isinstance(v, float) and ("rate" in key or "utilisation" in key) and 0 <= v <= 1:
        return f"{v:.1%}"
    return fmt_value(v, "–")


def _table_html(rows: list[dict[str, Any]], late_key: str | None = None) -> str:
    if not rows:
        return '<p class="empty">none</p>'
    cols = list(dict.fromkeys(k for r in rows for k in r))
    out = ['<div class="scroll"><table><thead><tr>']
    out += [f"<th>{html.escape(_label(c) if c.islower() else c)}</th>" for c in cols]
    out.append("</tr></thead><tbody>")
    for r in rows:
        late = late_key is not None and (r.get(late_key) is True)
        out.append('<tr class="late">' if late else "<tr>")
        for c in cols:
            v = r.get(c)
            num = isinstance(v, int | float) and not isinstance(v, bool)
            cls = ' class="num"' if num else ""
            out.append(f"<td{cls}>{html.escape(fmt_value(v, '–'))}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def build_report(res: SolveResult, instance: Any | None = None, title: str | None = None) -> str:
    """The report as one HTML string."""
    spec = None
    with contextlib.suppress(KeyError):
        spec = registry.get(res.model)
    if spec is not None and isinstance(instance, dict):
        instance = spec.instance_type.model_validate(instance)
    ad = spec.tables if spec is not None else None
    name = getattr(instance, "name", "") if instance is not None else ""
    title = title or (f"Plan: {name}" if name else f"{res.model.capitalize()} plan")
    head, text, tone = STATUS_TEXT.get(res.status.value, (res.status.value, "", "warn"))
    tables = result_tables(res, instance)
    kpi_help = dict(getattr(ad, "kpi_help", {}) or {})

    parts: list[str] = []
    parts.append(f"<h1>{html.escape(title)}</h1>")
    desc = spec.description if spec is not None else res.model
    parts.append(f'<p class="sub">{html.escape(desc)}</p>')
    parts.append(
        f'<div class="status {tone}" id="status"><b>{html.escape(head)}</b> '
        f"(status <code>{res.status.value}</code>)<br>{html.escape(text)}"
        + (
            f"<br>Independent check: {len(res.violations)} broken rule(s)."
            if res.violations
            else (
                "<br>Independent check: every rule holds."
                if res.solution is not None and res.options.verify
                else ""
            )
        )
        + "</div>"
    )

    cards: list[tuple[str, Any, str]] = [
        ("objective", res.objective, "What was minimised (lower is better)."),
        ("bound", res.bound, "No plan can score below this."),
        ("gap", None if res.gap is None else f"{res.gap:.1%}", "Distance to the bound."),
    ]
    for k, v in res.kpis.items():
        if (
            isinstance(v, int | float | str)
            or v is None
            or (isinstance(v, list) and all(isinstance(x, str | int) for x in v) and len(v) <= 12)
        ):
            cards.append((k, v, kpi_help.get(k, "")))
    parts.append('<h2>Key figures</h2><div class="cards" id="kpis">')
    for k, v, helptext in cards:
        parts.append(
            f'<div class="card" data-kpi="{html.escape(k)}"><div class="k">'
            f'{html.escape(_label(k))}</div><div class="v">{html.escape(_kpi_value(k, v))}'
            f'</div><div class="h">{html.escape(helptext)}</div></div>'
        )
    parts.append("</div>")

    charts = ad.charts(res, instance) if ad is not None and res.solution is not None else []
    if charts:
        parts.append("<h2>Charts</h2>")
        if instance is None:
            parts.append(
                '<p class="note">Some details (such as unavailable periods and names) come from '
                "the instance: pass it with <code>--instance</code> to show them.</p>"
            )
        parts += _chart_parts(charts)

    parts.append("<h2>Tables</h2>")
    for tname, rows in tables.items():
        if tname == "summary":
            continue
        heading = TABLE_TITLES.get(tname, _label(tname))
        parts.append(f'<h3 id="table-{html.escape(tname)}">{html.escape(heading)}</h3>')
        if tname in TABLE_HELP:
            parts.append(f'<p class="note">{html.escape(TABLE_HELP[tname])}</p>')
        late_key = next((k for k in ("job_late", "late") if rows and k in rows[0]), None)
        parts.append(_table_html(rows, late_key))
    parts.append("<h3>How it was solved</h3>")
    parts.append(_table_html(tables["summary"]))
    msgs = [m for m in res.messages if not m.startswith(("#", " "))]
    if msgs:
        parts.append('<ul class="msgs">' + "".join(f"<li>{html.escape(m)}</li>" for m in msgs))
        parts.append("</ul>")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(
        f"<footer>Made by opsplan {html.escape(__version__)} on {stamp}. Times are in "
        f"{html.escape(str(getattr(instance, 'time_unit', 'the instance') or ''))} units "
        "unless shown as dates. Rows shaded red are late.</footer>"
    )
    return _page(title, parts)


def _chart_parts(charts: list[Chart]) -> list[str]:
    parts = []
    for i, ch in enumerate(charts):  # plotly.js goes inline once, with the first chart
        parts.append(f"<h3>{html.escape(ch.title)}</h3>")
        if ch.note:
            parts.append(f'<p class="note">{html.escape(ch.note)}</p>')
        parts.append(f'<div class="chart">{chart_div(ch, i == 0, f"chart-{i}-{ch.name}")}</div>')
    return parts


def _page(title: str, parts: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{ERROR_CAPTURE}"
        f"<style>{CSS.replace('FONTS', CSS_FONTS)}</style></head><body><main>"
        + "\n".join(parts)
        + f"</main>{DONE}</body></html>\n"
    )


def build_charts_page(charts: list[Chart], title: str) -> str:
    """Several charts on one self-contained page (plotly.js inline once)."""
    return _page(title, [f"<h1>{html.escape(title)}</h1>", *_chart_parts(charts)])


def write_report(
    res: SolveResult, path: Path, instance: Any | None = None, title: str | None = None
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(res, instance, title), encoding="utf-8")
    return path
