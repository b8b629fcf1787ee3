"""What a family declares so that planner files (Excel, CSV, charts, the HTML report) work for it.

A family's `TablesAdapter` says which tables its instance has (columns, types, descriptions),
how typed rows become an instance, and which tables and charts its results give. Everything
else (templates, reading and writing workbooks and CSV folders, errors by sheet/row/column,
the report) is generic code in `opsplan.io`: `read_tables`, `write_tables`, `templates`,
`charts` and `report`.

This module only declares; it imports neither pandas nor plotting libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# "time": a whole number of the instance's time units, or a date and time (the family turns
# it into units from its start date)
ColumnType = Literal["str", "int", "float", "bool", "datetime", "list", "time"]

# One input table after type conversion: a list of rows, each a dict column -> value (None for
# an empty cell) plus "_row", the row number the planner sees (header is row 1).
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    required: bool = False  # a value is needed in every row


@dataclass(frozen=True)
class Table:
    """One sheet of a workbook / one CSV file of a folder."""

    name: str
    description: str
    columns: tuple[Column, ...]
    required: bool = True  # the sheet must exist (it may still have no rows unless min_rows)
    min_rows: int = 0
    # "rows": one record per row. "settings": two columns `setting` and `value`, one row per
    # declared column (a key-value sheet for scalars such as the start date).
    layout: Literal["rows", "settings"] = "rows"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Origin:
    """Where an instance element came from, so that later problems name sheet, row and column.

    `columns` maps the element's field names (dotted for nested ones, e.g. "pin.machine") to
    the column headers they were read from.
    """

    table: str
    row: int | None  # None: the table as a whole
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Located:
    """A problem found while building the instance from rows: table, row and column."""

    table: str
    row: int | None
    column: str | None
    message: str


@dataclass
class Built:
    """What a family's `to_instance` returns."""

    instance: dict[str, Any]
    # instance path ("jobs[3].operations[0]") -> where it came from
    origins: dict[str, Origin] = field(default_factory=dict)
    problems: list[Located] = field(default_factory=list)


@dataclass(frozen=True)
class GanttBar:
    lane: str  # resource (machine, employee, ...)
    start: float  # in the instance's time unit
    end: float
    # pause: unavailable time a task holds its resource through (drawn inside the task's bar)
    kind: Literal["task", "setup", "blocked", "pause"] = "task"
    group: str = ""  # colour group (the job); blocked bars share one grey
    label: str = ""  # short text drawn on the bar when it fits
    hover: dict[str, Any] = field(default_factory=dict)
    late: bool = False  # drawn with a red outline


@dataclass(frozen=True)
class Gantt:
    name: str  # file stem: gantt -> gantt.png / gantt.html
    title: str
    lanes: list[str]  # top to bottom
    bars: list[GanttBar]
    time_unit: str = "minute"
    start: datetime | None = None  # datetime of time 0 (then the axis shows dates)
    legend_title: str = "job"
    note: str = ""  # one sentence under the title: how to read the chart


@dataclass(frozen=True)
class BarChart:
    name: str
    title: str
    categories: list[str]
    series: dict[str, list[float]]  # series name -> one value per category (stacked)
    value_label: str = ""
    note: str = ""
    colours: dict[str, str] = field(default_factory=dict)  # series -> colour (optional)


@dataclass(frozen=True)
class Marker:
    """A point event on a line chart: an order arriving, a stock-out ..."""

    x: Any
    y: float
    label: str = ""
    series: str = ""  # colour of that series; "" a neutral one


@dataclass(frozen=True)
class LineChart:
    """Series over time (projected stock against safety stock, coverage against demand)."""

    name: str
    title: str
    x: list[Any]  # numbers, labels or datetimes, one per point
    series: dict[str, list[float | None]]  # None: a gap
    step: bool = True  # values hold until the next point (stock, staffing levels)
    dashed: tuple[str, ...] = ()  # series drawn dashed (targets, limits)
    markers: list[Marker] = field(default_factory=list)
    x_label: str = ""
    value_label: str = ""
    note: str = ""
    colours: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Heatmap:
    """A grid of cells (a roster: employees x days, the shift written in each cell)."""

    name: str
    title: str
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]  # one list per row; None: empty cell
    text: list[list[str]] | None = None  # shown in the cells (shift names ...)
    value_label: str = ""
    note: str = ""


Chart = Gantt | BarChart | LineChart | Heatmap


@dataclass(frozen=True)
class TablesAdapter:
    """The one interface a family implements for planner files.

    inputs        the instance's tables in workbook order (a template has one sheet each)
    to_instance   typed rows per table -> Built (instance dict, origins, problems found
                  while joining the tables, e.g. an operation of a job not in `jobs`)
    from_instance a validated instance -> rows per table (the inverse; the template's example
                  rows and `instance_frames` use it)
    example       an example instance (validated model) shown in the template
    results       (result, instance or None) -> result tables in order, name -> rows
    views         result table name -> the column to split it by, one sheet per value
                  (a machine's sequence, an employee's month ...)
    kpi_help      KPI name -> one sentence for a reader who has never seen opsplan
    charts        (result, instance or None) -> charts
    """

    inputs: tuple[Table, ...]
    to_instance: Callable[[dict[str, Rows]], Built]
    from_instance: Callable[[Any], dict[str, list[dict[str, Any]]]]
    example: Callable[[], Any]
    results: Callable[[Any, Any | None], dict[str, list[dict[str, Any]]]]
    charts: Callable[[Any, Any | None], list[Chart]] = lambda result, instance: []
    views: dict[str, str] = field(default_factory=dict)
    kpi_help: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.inputs if t.name == name), None)


def put_given(d: dict[str, Any], key: str, value: Any) -> None:
    """Set d[key] only when the cell had a value: an empty cell keeps the model's default."""
    if value is not None:
        d[key] = value
