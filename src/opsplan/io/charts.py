"""Charts for every family: PNG (matplotlib) and interactive HTML (plotly, offline).

Families describe charts as data (`core.tables.Gantt`, `core.tables.BarChart`); this module
draws them. CJK text (Chinese machine or employee names) needs a font with those glyphs:
`cjk_font()` finds one installed on the system (Debian: fonts-noto-cjk) or named by the
environment variable OPSPLAN_CJK_FONT, and matplotlib falls back to it glyph by glyph.
"""

from __future__ import annotations

import colorsys
import functools
import html
import math
import os
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..core.tables import BarChart, Chart, Gantt, Heatmap, LineChart

# Font files with CJK glyphs, most preferred first (Debian/Ubuntu, Fedora, Arch, macOS, Windows)
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
# CSS font stack for HTML: the browser picks the first it has
CSS_FONTS = (
    '"Noto Sans", "DejaVu Sans", "Segoe UI", Arial, "Noto Sans CJK SC", "Noto Sans CJK JP", '
    '"WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif'
)
UNIT_MINUTES = {"second": 1 / 60, "minute": 1.0, "hour": 60.0, "day": 1440.0}
BLOCKED = "#b0b0b0"
LATE = "#d62728"


def _lighter(colour: str, share: float = 0.6) -> str:
    """The colour mixed with `share` white (a task's pause: the same job, paler)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * share) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


@functools.cache
def cjk_font() -> str | None:
    """The family name of a CJK font registered with matplotlib, or None if none is found."""
    from matplotlib import font_manager

    candidates = [os.environ.get("OPSPLAN_CJK_FONT", ""), *CJK_FONT_FILES]
    for path in candidates:
        if path and Path(path).is_file():
            try:
                font_manager.fontManager.addfont(path)
                return str(font_manager.FontProperties(fname=path).get_name())
            except (OSError, RuntimeError, ValueError):
                continue
    return None


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _font_rc() -> dict[str, Any]:
    fam = ["DejaVu Sans"]
    cjk = cjk_font()
    if cjk:
        fam.append(cjk)
    return {"font.family": fam, "axes.unicode_minus": False}


# distinct colours, none of them red (red marks late work)
COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#2f4b7c",
    "#a0cbe8",
    "#8cd17d",
    "#ffbe7d",
    "#d4a6c8",
    "#499894",
    "#86bcb6",
    "#b6992d",
)


def palette(groups: list[str]) -> dict[str, str]:
    """A distinct, stable colour per group (job): a fixed list, then golden-angle hues."""
    out = {}
    for i, g in enumerate(groups):
        if i < len(COLOURS):
            out[g] = COLOURS[i]
            continue
        h = (0.1 + i * 0.381966) % 1.0
        if h < 0.05 or h > 0.93:  # keep clear of the red that marks late jobs
            h = (h + 0.12) % 1.0
        light = (0.55, 0.42, 0.68)[i % 3]
        r, gg, b = colorsys.hls_to_rgb(h, light, 0.55)
        out[g] = f"#{int(r * 255):02x}{int(gg * 255):02x}{int(b * 255):02x}"
    return out


def _groups(g: Gantt) -> list[str]:
    """Colour groups in natural order (SO-2 before SO-10), so colours and legend are stable."""
    groups = {b.group for b in g.bars if b.kind == "task"}
    return sorted(
        groups,
        key=lambda s: [
            (0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", s)
        ],
    )


def _to_x(g: Gantt, t: float) -> Any:
    if g.start is None:
        return t
    return g.start + timedelta(minutes=t * UNIT_MINUTES.get(g.time_unit, 1.0))


def default_size(chart: Chart) -> tuple[int, int]:
    """Pixel size of a chart's PNG: width fixed, height grows with the number of rows."""
    if isinstance(chart, Gantt):
        return 1400, 170 + 34 * max(1, len(chart.lanes))
    if isinstance(chart, LineChart):
        return 1200, 460
    if isinstance(chart, Heatmap):
        return min(1800, 260 + 60 * max(1, len(chart.columns))), 150 + 28 * max(1, len(chart.rows))
    return 1000, 180 + 30 * max(1, len(chart.categories))


def render_png(chart: Chart, path: Path, size: tuple[int, int] | None = None) -> Path:
    """Draw a chart as a PNG of exactly `size` pixels (default: `default_size`)."""
    plt = _mpl()
    w, h = size or default_size(chart)
    dpi = 100
    with plt.rc_context(_font_rc()):
        fig, ax = plt.subplots(figsize=(w / dpi, h / dpi), dpi=dpi)
        try:
            if isinstance(chart, Gantt):
                _gantt_png(chart, fig, ax)
            elif isinstance(chart, LineChart):
                _lines_png(chart, fig, ax)
            elif isinstance(chart, Heatmap):
                _heatmap_png(chart, fig, ax)
            else:
                _bars_png(chart, fig, ax)
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=dpi)  # no bbox_inches="tight": keep the size exact
        finally:
            plt.close(fig)
    return path


def _gantt_png(g: Gantt, fig: Any, ax: Any) -> None:
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    colours = palette(_groups(g))
    lane_y = {lane: i for i, lane in enumerate(g.lanes)}
    dated = g.start is not None

    def x(t: float) -> float:
        return float(mdates.date2num(_to_x(g, t))) if dated else t

    for b in g.bars:
        y = lane_y.get(b.lane)
        if y is None:
            continue
        x0, x1 = x(b.start), x(b.end)
        if b.kind == "blocked":
            ax.barh(y, x1 - x0, left=x0, height=0.8, color=BLOCKED, alpha=0.55, linewidth=0)
        elif b.kind == "setup":
            ax.barh(
                y,
                x1 - x0,
                left=x0,
                height=0.6,
                color="white",
                edgecolor=colours.get(b.group, "k"),
                hatch="////",
                linewidth=0.8,
            )
        elif b.kind == "pause":
            colour = colours.get(b.group, "#4c72b0")
            ax.barh(
                y,
                x1 - x0,
                left=x0,
                height=0.6,
                color=_lighter(colour),
                edgecolor=colour,
                hatch="xx",
                linewidth=0,
                zorder=3,  # over its task's bar
            )
        else:
            ax.barh(
                y,
                x1 - x0,
                left=x0,
                height=0.6,
                color=colours.get(b.group, "#4c72b0"),
                edgecolor=LATE if b.late else "white",
                linewidth=2.2 if b.late else 0.6,
            )
    # labels on bars wide enough to hold them
    lo = min((x(b.start) for b in g.bars), default=0.0)
    hi = max((x(b.end) for b in g.bars), default=1.0)
    span = (hi - lo) or 1.0
    width_px = fig.get_figwidth() * fig.dpi * 0.8
    for b in g.bars:
        if b.kind != "task" or not b.label or b.lane not in lane_y:
            continue
        px = (x(b.end) - x(b.start)) / span * width_px
        if px > 7.5 * _width(b.label) + 6:
            ax.text(
                (x(b.start) + x(b.end)) / 2,
                lane_y[b.lane],
                b.label,
                ha="center",
                va="center",
                fontsize=8,
                color="white",
                clip_on=True,
            )
    ax.set_yticks(range(len(g.lanes)), labels=g.lanes)
    ax.set_ylim(len(g.lanes) - 0.5, -0.5)
    ax.set_xlim(lo, hi)
    ax.grid(axis="x", alpha=0.3)
    if dated:
        loc = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    else:
        ax.set_xlabel(f"time ({g.time_unit}s from the start)")
    ax.set_title(g.title, loc="left", fontsize=13, fontweight="bold")
    extra = [
        Patch(facecolor="white", edgecolor="#555", hatch="////", label="setup"),
        Patch(facecolor=BLOCKED, alpha=0.55, label="unavailable"),
        Patch(facecolor="white", edgecolor=LATE, linewidth=2.2, label="late job"),
    ]
    if any(b.kind == "pause" for b in g.bars):
        paused = Patch(facecolor=_lighter("#555555"), edgecolor="#555", hatch="xx", label="paused")
        extra.insert(1, paused)
    h_px = fig.get_figheight() * fig.dpi
    per_col = max(4, int((h_px - 90) / 17))
    jobs = list(colours.items())
    ncols = min(3, math.ceil((len(jobs) + len(extra)) / per_col))
    room = ncols * per_col - len(extra)
    handles = [Patch(facecolor=c, label=j) for j, c in jobs[:room]]
    if len(jobs) > room:  # too many jobs for the legend: the rest are named on their bars
        handles[-1] = Patch(facecolor="white", label=f"... {len(jobs) - room + 1} more")
    ax.legend(
        handles=handles + extra,
        title=g.legend_title,
        loc="upper left",
        bbox_to_anchor=(1.005, 1.0),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
        ncols=ncols,
    )
    _margins(fig, g.lanes, right=1 - (ncols * 125 + 25) / (fig.get_figwidth() * fig.dpi))


def _width(text: str) -> int:
    """Width in Latin characters: CJK and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _margins(fig: Any, labels: list[str], right: float) -> None:
    """Margins in pixels, so that labels fit whatever the chart's height."""
    w = fig.get_figwidth() * fig.dpi
    h = fig.get_figheight() * fig.dpi
    longest = max((_width(s) for s in labels), default=4)
    fig.subplots_adjust(
        left=min(0.35, (7.5 * longest + 24) / w), right=right, top=1 - 42 / h, bottom=62 / h
    )


def _bars_png(c: BarChart, fig: Any, ax: Any) -> None:
    left = [0.0] * len(c.categories)
    colours = palette(list(c.series)) | c.colours
    for name, values in c.series.items():
        ax.barh(range(len(c.categories)), values, left=left, label=name, color=colours[name])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(c.categories)), labels=c.categories)
    ax.invert_yaxis()
    ax.set_xlabel(c.value_label)
    ax.set_title(c.title, loc="left", fontsize=13, fontweight="bold")
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False, fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    _margins(fig, c.categories, right=0.85)


def _lines_png(c: LineChart, fig: Any, ax: Any) -> None:
    colours = palette(list(c.series)) | c.colours
    for name, ys in c.series.items():
        ys_f = [float("nan") if y is None else y for y in ys]
        style = "--" if name in c.dashed else "-"
        if c.step:
            ax.step(c.x, ys_f, where="post", label=name, color=colours[name], linestyle=style)
        else:
            ax.plot(c.x, ys_f, label=name, color=colours[name], linestyle=style, marker=".")
    for m in c.markers:
        ax.plot([m.x], [m.y], marker="v", color=colours.get(m.series, "#333"), markersize=8)
        if m.label:
            ax.annotate(m.label, (m.x, m.y), textcoords="offset points", xytext=(0, 8),
                        ha="center", fontsize=8)  # fmt: skip
    if c.markers:
        ax.plot([], [], marker="v", linestyle="", color="#333", label="event")
    ax.set_xlabel(c.x_label)
    ax.set_ylabel(c.value_label)
    ax.grid(alpha=0.3)
    ax.set_title(c.title, loc="left", fontsize=13, fontweight="bold")
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False, fontsize=8)
    if c.x and isinstance(c.x[0], str):
        ax.tick_params(axis="x", labelrotation=45)
    _margins(fig, ["0000000"], right=0.84)


def _heatmap_png(c: Heatmap, fig: Any, ax: Any) -> None:
    import numpy as np

    data = np.array([[np.nan if v is None else v for v in row] for row in c.values], dtype=float)
    im = ax.imshow(data, aspect="auto", cmap="Blues", interpolation="nearest")
    ax.set_yticks(range(len(c.rows)), labels=c.rows)
    ax.set_xticks(range(len(c.columns)), labels=c.columns, rotation=45, ha="right")
    if c.text is not None:
        top = np.nanmax(data) if np.isfinite(data).any() else 1.0
        for i, row in enumerate(c.text):
            for j, txt in enumerate(row):
                if txt:
                    dark = np.isfinite(data[i, j]) and data[i, j] > 0.6 * top
                    ax.text(j, i, txt, ha="center", va="center", fontsize=8,
                            color="white" if dark else "black")  # fmt: skip
    fig.colorbar(im, ax=ax, label=c.value_label, fraction=0.03)
    ax.set_title(c.title, loc="left", fontsize=13, fontweight="bold")
    w, h = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    longest = max((_width(s) for s in c.rows), default=4)
    fig.subplots_adjust(
        left=min(0.35, (7.5 * longest + 24) / w), right=1 - 110 / w, top=1 - 42 / h, bottom=80 / h
    )


# ---------------------------------------------------------------- plotly (interactive HTML)


def figure(chart: Chart, title: bool = True) -> Any:
    """A plotly Figure of the chart (without its title when the page shows it)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if isinstance(chart, Gantt):
        _gantt_plotly(chart, fig)
    elif isinstance(chart, LineChart):
        _lines_plotly(chart, fig)
    elif isinstance(chart, Heatmap):
        _heatmap_plotly(chart, fig)
    else:
        _bars_plotly(chart, fig)
    fig.update_layout(
        title={"text": html.escape(chart.title) if title else "", "x": 0.01},
        font={"family": CSS_FONTS},
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 40},
        height=default_size(chart)[1] + (40 if title else 10),
        legend={"traceorder": "normal"},
    )
    return fig


def _hover(d: dict[str, Any]) -> str:
    return "<br>".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in d.items())


def _gantt_plotly(g: Gantt, fig: Any) -> None:
    import plotly.graph_objects as go

    colours = palette(_groups(g))
    dated = g.start is not None
    ms = 60_000 * UNIT_MINUTES.get(g.time_unit, 1.0)

    def add(bars: list[Any], name: str, legendgroup: str, **marker: Any) -> None:
        if not bars:
            return
        base = [_to_x(g, b.start) for b in bars]
        width = [(b.end - b.start) * (ms if dated else 1) for b in bars]
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[b.lane for b in bars],
                x=width,
                base=[v.isoformat() if isinstance(v, datetime) else v for v in base],
                name=name,
                legendgroup=legendgroup,
                marker=marker,
                text=[b.label if b.kind == "task" else "" for b in bars],
                textposition="inside",
                insidetextanchor="middle",
                hovertext=[_hover(b.hover) for b in bars],
                hoverinfo="text",
                width=0.8 if bars[0].kind == "blocked" else 0.6,
            )
        )

    add(
        [b for b in g.bars if b.kind == "blocked"],
        "unavailable",
        "unavailable",
        color=BLOCKED,
        opacity=0.55,
    )
    setups = [b for b in g.bars if b.kind == "setup"]
    edge = [colours.get(b.group, "#555") for b in setups]
    add(
        setups,
        "setup",
        "setup",
        color="white",
        line={"color": edge, "width": 1},
        pattern={"shape": "/", "fgcolor": edge},
    )
    for grp, colour in colours.items():
        mine = [b for b in g.bars if b.kind == "task" and b.group == grp]
        late = any(b.late for b in mine)
        add(
            mine,
            f"{grp} (late)" if late else grp,
            grp,
            color=colour,
            line={"color": LATE if late else "white", "width": 2.5 if late else 0.5},
        )
    pauses = [b for b in g.bars if b.kind == "pause"]  # after the tasks: drawn over them
    edge = [colours.get(b.group, "#555") for b in pauses]
    add(
        pauses,
        "paused",
        "paused",
        color=[_lighter(c) for c in edge],
        line={"width": 0},
        pattern={"shape": "x", "fgcolor": edge, "size": 6},
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(g.lanes)), title_text="")
    fig.update_xaxes(
        type="date" if dated else "linear",
        title_text="" if dated else f"time ({g.time_unit}s from the start)",
    )
    fig.update_layout(
        barmode="overlay",
        legend_title_text=g.legend_title,
        uniformtext={"minsize": 9, "mode": "hide"},  # no unreadable labels on short bars
    )
    fig.update_traces(textangle=0, selector={"type": "bar"})


def _bars_plotly(c: BarChart, fig: Any) -> None:
    import plotly.graph_objects as go

    colours = palette(list(c.series)) | c.colours
    for name, values in c.series.items():
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=c.categories,
                x=values,
                name=name,
                marker={"color": colours[name]},
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(c.categories)))
    fig.update_xaxes(title_text=c.value_label)


def _lines_plotly(c: LineChart, fig: Any) -> None:
    import plotly.graph_objects as go

    colours = palette(list(c.series)) | c.colours
    for name, ys in c.series.items():
        fig.add_trace(
            go.Scatter(
                x=c.x, y=ys, name=name, mode="lines" if c.step else "lines+markers",
                line={"color": colours[name], "shape": "hv" if c.step else "linear",
                      "dash": "dash" if name in c.dashed else "solid"},
            )
        )  # fmt: skip
    if c.markers:
        fig.add_trace(
            go.Scatter(
                x=[m.x for m in c.markers], y=[m.y for m in c.markers], name="event",
                mode="markers+text", text=[m.label for m in c.markers], textposition="top center",
                marker={"symbol": "triangle-down", "size": 11,
                        "color": [colours.get(m.series, "#333") for m in c.markers]},
            )
        )  # fmt: skip
    fig.update_xaxes(title_text=c.x_label)
    fig.update_yaxes(title_text=c.value_label)


def _heatmap_plotly(c: Heatmap, fig: Any) -> None:
    import plotly.graph_objects as go

    fig.add_trace(
        go.Heatmap(
            z=c.values, x=c.columns, y=c.rows, text=c.text,
            texttemplate="%{text}" if c.text is not None else None,
            colorscale="Blues", colorbar={"title": {"text": c.value_label}}, hoverongaps=False,
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")


def render_html(chart: Chart, path: Path) -> Path:
    """One chart as a stand-alone interactive HTML page (plotly.js inline: works offline)."""
    fig = figure(chart)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def chart_div(chart: Chart, with_js: bool, div_id: str) -> str:
    return str(
        figure(chart, title=False).to_html(
            include_plotlyjs=with_js,
            full_html=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
    )
