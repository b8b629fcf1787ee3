"""Charts (PNG size, CJK glyphs, what the Gantt shows) and the HTML report in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import warnings

import pytest
from matplotlib import image
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core import registry
from opsplan.core.tables import BarChart, Heatmap, LineChart, Marker
from opsplan.io.charts import cjk_font, default_size, figure, render_html, render_png
from opsplan.io.report import build_charts_page, build_report
from opsplan.scheduling.tables import example
from tests.scheduling.test_files import CN

runner = CliRunner()


@pytest.fixture(scope="module")
def solved():
    req = {"model": "scheduling", "instance": example().model_dump(mode="json")}
    res = opsplan.solve(req, {"time_limit_s": 10, "workers": 2})
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    return req, res


def _charts(res, instance):
    spec = registry.get(res.model)
    return spec.tables.charts(res, spec.instance_type.model_validate(instance))


def test_gantt_shows_operations_setups_unavailable_and_late_jobs(solved):
    req, res = solved
    gantt = _charts(res, req["instance"])[0]
    tasks = [b for b in gantt.bars if b.kind == "task"]
    assert len(tasks) == len(res.solution["operations"])
    assert {b.group for b in tasks} == {"A-100", "B-200", "C-300"}
    setups = [b for b in gantt.bars if b.kind == "setup"]
    assert sum(b.end - b.start for b in setups) == res.kpis["total_setup"] > 0
    blocked = [b for b in gantt.bars if b.kind == "blocked"]
    assert any(b.label == "maintenance" and (b.start, b.end) == (240, 360) for b in blocked)
    assert {b.group for b in tasks if b.late} == set(res.kpis["late_job_ids"]) == {"B-200"}
    # the interactive chart has one legend entry per job, the late one marked
    names = {t.name for t in figure(gantt).data}
    assert {"A-100", "B-200 (late)", "C-300", "unavailable"} <= names


def test_chart_png_has_the_expected_pixel_size(solved, tmp_path):
    req, res = solved
    for ch in _charts(res, req["instance"]):
        p = render_png(ch, tmp_path / f"{ch.name}.png")
        w, h = default_size(ch)
        img = image.imread(p)
        assert img.shape[:2] == (h, w), ch.name
        assert len({tuple(px) for px in img.reshape(-1, img.shape[2])[::97]}) > 5  # not blank
    p = render_png(_charts(res, req["instance"])[0], tmp_path / "small.png", size=(800, 300))
    assert image.imread(p).shape[:2] == (300, 800)


def test_cjk_names_render_with_a_cjk_font(tmp_path):
    assert cjk_font() is not None, "no CJK font found: install fonts-noto-cjk (see .ci/run)"
    res = opsplan.solve(CN)
    charts = _charts(res, CN["instance"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for ch in charts:
            render_png(ch, tmp_path / f"{ch.name}.png")
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert "切割机-1 (一号切割机)" in charts[0].lanes


def test_charts_command_writes_png_and_offline_html(solved, tmp_path):
    _, res = solved
    rj = tmp_path / "r.json"
    rj.write_text(res.to_json(), encoding="utf-8")
    r = runner.invoke(app, ["charts", str(rj), "-o", str(tmp_path / "ch")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "ch" / "gantt.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)  # plotly.js inline, no CDN
    assert (tmp_path / "ch" / "gantt.png").stat().st_size > 1000


# ------------------------------------------------------------------ the report in Chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's headless Chromium driven by its chromedriver: one browser for every page."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    assert exe and driver, "apt-get install chromium chromium-driver (see .ci/run)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = exe
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1300,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def render_in_chromium(browser, path) -> tuple[str, list[str]]:
    """Open a page; once its charts have drawn: the DOM, and the console's error messages."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(path.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return document.documentElement.hasAttribute('data-charts-drawn')"
        )
    )
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    return browser.execute_script("return document.documentElement.outerHTML"), errors


def test_html_report_renders_in_headless_chromium_without_script_errors(solved, tmp_path, browser):
    req, res = solved
    rj, report = tmp_path / "r.json", tmp_path / "report.html"
    rj.write_text(res.to_json(), encoding="utf-8")
    r = runner.invoke(
        app, ["report", str(rj), "-o", str(report), "--instance", str(_req(req, tmp_path))]
    )
    assert r.exit_code == 0, r.output
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html) and "<link" not in html  # self-contained
    dom, errors = render_in_chromium(browser, report)
    assert 'data-script-errors="0"' in dom, errors
    assert errors == []
    assert 'data-charts-drawn="2"' in dom  # both plotly charts drew their SVG
    # the KPIs are on the page, with the solver's values
    for kpi in ("objective", "makespan", "late_jobs", "on_time_rate"):
        assert f'data-kpi="{kpi}"' in dom
    mk = res.kpis["makespan"]
    assert re.search(rf'data-kpi="makespan".*?class="v">{mk:,}<', dom, re.S)
    assert "Best possible plan" in dom and "maintenance" in dom


@pytest.mark.parametrize("model", ["supplier_selection", "replenishment"])
def test_report_of_other_families_renders_in_chromium_with_their_kpis(model, tmp_path, browser):
    inst = registry.get(model).tables.example().model_dump(mode="json")
    res = opsplan.solve({"model": model, "instance": inst}, {"time_limit_s": 10})
    assert res.status.has_solution and res.violations == []
    report = tmp_path / f"{model}.html"
    report.write_text(build_report(res, inst), encoding="utf-8")
    dom, errors = render_in_chromium(browser, report)
    assert 'data-script-errors="0"' in dom and errors == [], errors
    assert re.search(r'data-charts-drawn="[1-9]', dom)
    scalars = [k for k, v in res.kpis.items() if isinstance(v, int | float)]
    assert scalars
    for kpi in scalars:  # every number among the KPIs has its card
        assert f'data-kpi="{kpi}"' in dom


def test_report_error_capture_really_catches_a_broken_script(solved, tmp_path, browser):
    # the check above can fail: the same page with one broken script is caught
    req, res = solved
    page = build_report(res, req["instance"]).replace(
        "</main>", "<script>thisFunctionDoesNotExist();</script></main>"
    )
    p = tmp_path / "broken.html"
    p.write_text(page, encoding="utf-8")
    dom, errors = render_in_chromium(browser, p)
    assert 'data-script-errors="1"' in dom
    assert any("thisFunctionDoesNotExist" in e for e in errors), errors


def test_report_with_chinese_names_and_solve_straight_to_html(tmp_path, browser):
    src = tmp_path / "cn.json"
    src.write_text(json.dumps(CN, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "cn.html"
    r = runner.invoke(app, ["solve", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    dom, errors = render_in_chromium(browser, out)
    assert 'data-script-errors="0"' in dom and 'data-charts-drawn="2"' in dom, errors
    assert errors == []
    assert "华东工厂 周计划" in dom and "订单-甲" in dom


def _req(req, tmp_path):
    p = tmp_path / "req.json"
    p.write_text(json.dumps(req, ensure_ascii=False), encoding="utf-8")
    return p


def test_render_html_single_chart(solved, tmp_path):
    req, res = solved
    p = render_html(_charts(res, req["instance"])[0], tmp_path / "g.html")
    assert "Plotly.newPlot" in p.read_text(encoding="utf-8")


def test_report_of_an_infeasible_request_explains_why(tmp_path):
    req = {
        "model": "scheduling",
        "instance": {
            "machines": [{"id": "M"}],
            "jobs": [
                {
                    "id": "J",
                    "deadline": 3,
                    "operations": [{"id": "a", "machines": [{"machine": "M", "duration": 5}]}],
                }
            ],
        },
    }
    res = opsplan.solve(req)
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    page = build_report(res, req["instance"])
    assert "No plan possible" in page and "Charts" not in page
    assert all(html.escape(f.message) in page for f in res.diagnosis) and res.diagnosis


# ------------------------------------------------------------------ chart kinds for other families

GENERIC = [
    LineChart(
        name="stock",
        title="Projected stock of 螺栓 M8",
        x=[f"W{w}" for w in range(1, 9)],
        series={"stock": [120, 80, 40, 150, 110, 70, 30, 140], "safety stock": [50] * 8},
        dashed=("safety stock",),
        markers=[Marker("W4", 150, "order 120", "stock"), Marker("W8", 140, "order 120")],
        value_label="units",
    ),
    Heatmap(
        name="roster",
        title="Roster",
        rows=["王芳", "Ana", "Bo"],
        columns=["Mon", "Tue", "Wed"],
        values=[[8, 8, None], [None, 8, 8], [8, None, 8]],
        text=[["早班", "早班", ""], ["", "late", "late"], ["night", "", "night"]],
        value_label="hours",
    ),
    BarChart(
        name="awards",
        title="Award shares by supplier",
        categories=["Acme", "北方钢铁"],
        series={"bolts": [60.0, 40.0], "nuts": [30.0, 70.0]},
        value_label="% of volume",
    ),
]


def test_line_heatmap_and_bar_charts_draw_as_png(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for ch in GENERIC:
            p = render_png(ch, tmp_path / f"{ch.name}.png")
            w, h = default_size(ch)
            assert image.imread(p).shape[:2] == (h, w), ch.name
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    fig = figure(GENERIC[0])
    assert [t.name for t in fig.data] == ["stock", "safety stock", "event"]
    assert fig.data[1].line.dash == "dash" and fig.data[0].line.shape == "hv"


def test_every_chart_kind_renders_in_chromium(tmp_path, browser, solved):
    req, res = solved
    charts = [*_charts(res, req["instance"]), *GENERIC]
    p = tmp_path / "charts.html"
    p.write_text(build_charts_page(charts, "all chart kinds"), encoding="utf-8")
    dom, errors = render_in_chromium(browser, p)
    assert errors == [] and 'data-script-errors="0"' in dom
    assert f'data-charts-drawn="{len(charts)}"' in dom and f'data-charts="{len(charts)}"' in dom


def test_gantt_without_the_instance_takes_unit_and_start_from_the_plan_dates():
    req = {
        "model": "scheduling",
        "instance": {
            "time_unit": "hour",
            "start": "2026-11-30T06:00:00",
            "machines": [{"id": "M"}],
            "jobs": [
                {
                    "id": "J",
                    "release": 2,
                    "operations": [{"id": "a", "machines": [{"machine": "M", "duration": 3}]}],
                }
            ],
        },
    }
    res = opsplan.solve(req)
    g = registry.get("scheduling").tables.charts(res, None)[0]
    assert (
        g.time_unit == "hour"
        and g.start is not None
        and g.start.isoformat() == "2026-11-30T06:00:00"
    )
    assert [(b.start, b.end) for b in g.bars] == [(2, 5)]
