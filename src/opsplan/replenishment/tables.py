"""Replenishment's planner input tables: the workbook's sheets, to and from the instance, and
the example workbook (example.json beside this module). Result tables and charts: views.py.

Per-period numbers (demand, history, open orders, shared limits) are one row per item and
period, so that no cell holds a list of numbers. The generic machinery (templates, reading,
errors by sheet/row/column, writing, the report) lives in opsplan.io.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from ..core.tables import Built, Column, Located, Origin, Rows, Table, put_given
from .schema import ReplenishmentInstance

C = Column

SETTINGS = Table(
    "settings",
    "Scalars of the instance: the number of periods and limits that are the same every period.",
    (
        C("periods", "int", "Number of periods (default: the highest period in demand + 1)."),
        C("period_days", "float", "Days in one period (default 7; for days of cover)."),
        C(
            "warehouse_space",
            "float",
            "Space for stock at each period end, every period (or per period: sheet limits).",
        ),
        C(
            "budget",
            "float",
            "Purchasing budget per period, every period (or per period: sheet limits).",
        ),
    ),
    required=False,
    layout="settings",
)
_ITEM_COLS = (
    C("initial_stock", "float", "Units on hand before period 0."),
    C("initial_backorder", "float", "Units already owed to customers (backorder mode)."),
    C("lead_time", "int", "Periods between ordering and arrival (default 0)."),
    C("unit_cost", "float", "Purchase (or variable production) cost per unit."),
    C("holding_cost", "float", "Cost per unit in stock per period end."),
    C("order_cost", "float", "Fixed cost per order (or setup cost)."),
    C("moq", "float", "Minimum order quantity (0: none)."),
    C("pack_size", "float", "Order multiple: quantities are whole packs of this size."),
    C("max_order", "float", "Largest quantity in one order."),
    C("max_stock", "float", "Stock may never exceed this."),
    C("shelf_life", "int", "Periods a unit stays usable (first in, first out)."),
    C("space", "float", "Warehouse space (and truck volume) per unit."),
    C("supplier", "str", "Supplier id (sheet suppliers): joint order cost and trucks."),
    C("resource", "str", "Production: the resource whose capacity a lot uses (sheet resources)."),
    C("time_per_unit", "float", "Resource time per unit produced."),
    C("setup_time", "float", "Resource time per lot."),
    C("forecast_error", "float", "Standard deviation of one period's forecast error."),
    C("season_length", "int", "Periods in one season of the history (e.g. 52 weeks)."),
)
_SAFETY_COLS = (
    C(
        "safety_kind",
        "str",
        "Safety stock: fixed (safety_quantity units), days_of_cover (safety_days of average "
        "demand) or service_level (safety_level, e.g. 0.95); empty: none.",
    ),
    C("safety_quantity", "float", "Units of safety stock (kind fixed)."),
    C("safety_days", "float", "Days of cover (kind days_of_cover)."),
    C("safety_level", "float", "Target cycle service level (kind service_level)."),
    C("safety_penalty", "float", "Cost per unit below safety stock per period."),
    C(
        "shortage_mode",
        "str",
        "none (default): demand met on time; backorder: unmet demand waits; lost_sales: it is "
        "lost.",
    ),
    C("shortage_penalty", "float", "Cost per unit short (and period, for backorders)."),
)
ITEMS = Table(
    "items",
    "One row per item (bought or produced).",
    (
        C("item", "str", "Item id, unique (any language).", True),
        *_ITEM_COLS,
        *_SAFETY_COLS,
    ),
    min_rows=1,
)
DEMAND = Table(
    "demand",
    "Forecast demand per item and period; one row each (a missing period is 0). An item "
    "without rows is forecast from sheet history.",
    (
        C("item", "str", "Item id (sheet items).", True),
        C("period", "int", "Period number, 0 for the first.", True),
        C("quantity", "float", "Units demanded.", True),
    ),
    required=False,
)
HISTORY = Table(
    "history",
    "Past demand per item, oldest first; used to forecast items without demand rows.",
    (
        C("item", "str", "Item id (sheet items).", True),
        C("period", "int", "Position in the history: 0 for the oldest period.", True),
        C("quantity", "float", "Units demanded then.", True),
    ),
    required=False,
)
OPEN_ORDERS = Table(
    "open_orders",
    "Orders already placed and on the way; one row each.",
    (
        C("item", "str", "Item id (sheet items).", True),
        C("period", "int", "Period in which the order arrives.", True),
        C("quantity", "float", "Units arriving.", True),
    ),
    required=False,
)
SUPPLIERS = Table(
    "suppliers",
    "Suppliers shared by several items: a joint order cost and trucks.",
    (
        C("supplier", "str", "Supplier id, unique.", True),
        C("joint_order_cost", "float", "Cost per period in which any of its items is ordered."),
        C("truck_capacity", "float", "Space one truck carries."),
        C("truck_cost", "float", "Cost per truck."),
        C("max_trucks", "int", "Trucks available per period."),
    ),
    required=False,
)
RESOURCES = Table(
    "resources",
    "Production resources shared by items; one row with an empty period (every period) or "
    "one row per period.",
    (
        C("resource", "str", "Resource id.", True),
        C("period", "int", "Period number; empty: every period."),
        C("capacity", "float", "Time available in the period.", True),
    ),
    required=False,
)
LIMITS = Table(
    "limits",
    "Shared limits that change per period; one row per period (every period, if any).",
    (
        C("period", "int", "Period number, 0 for the first.", True),
        C("warehouse_space", "float", "Space for stock at the period's end."),
        C("budget", "float", "Purchasing budget of the orders placed in the period."),
    ),
    required=False,
)
INPUTS = (SETTINGS, ITEMS, DEMAND, HISTORY, OPEN_ORDERS, SUPPLIERS, RESOURCES, LIMITS)


def _per_period(
    rows: Rows, table: str, col: str, n: int, what: str, b: Built, exact: bool = False
) -> list[Any]:
    """Rows with a `period` column -> one value per period 0..n-1 (None where missing)."""
    out: list[Any] = [None] * n
    for r in rows:
        t = r["period"]
        if t < 0 or t >= n:
            b.problems.append(
                Located(table, r["_row"], "period", f"period {t} is outside 0..{n - 1}")
            )
        elif out[t] is not None:
            b.problems.append(
                Located(table, r["_row"], "period", f"period {t} of {what} given twice")
            )
        else:
            out[t] = r[col]
    if exact and rows:
        missing = [str(k) for k, v in enumerate(out) if v is None]
        if missing:
            b.problems.append(
                Located(
                    table,
                    rows[0]["_row"],
                    col,
                    f"{what} has no value for period(s) {', '.join(missing)}",
                )
            )
    return out


def _group(
    rows: Rows, table: str, key: str, pos: dict[str, int], sheet: str, b: Built
) -> dict[int, Rows]:
    out: dict[int, Rows] = {}
    for r in rows:
        k = pos.get(r[key])
        if k is None:
            b.problems.append(
                Located(table, r["_row"], key, f"unknown {key} {r[key]!r} (not in {sheet})")
            )
            continue
        out.setdefault(k, []).append(r)
    return out


def to_instance(t: dict[str, Rows]) -> Built:
    b = Built(instance={})
    for name in ("items", "suppliers", "resources"):
        b.origins[name] = Origin(name, None)
    inst = b.instance
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    srows = s.get("_rows", {})
    top = max((r["period"] for r in t["demand"]), default=-1) + 1
    n = s.get("periods") or max(top, len(t["limits"]), 1)
    inst["periods"] = n
    b.origins["periods"] = (
        Origin("settings", srows["periods"], {"": "value"})
        if "periods" in srows
        else Origin("demand", None)
    )
    put_given(inst, "period_days", s.get("period_days"))
    if "period_days" in srows:
        b.origins["period_days"] = Origin("settings", srows["period_days"], {"": "value"})

    for key in ("warehouse_space", "budget"):
        rows = [r for r in t["limits"] if r[key] is not None]
        if s.get(key) is not None and rows:
            b.problems.append(
                Located(
                    "limits",
                    rows[0]["_row"],
                    key,
                    f"{key} is also given on sheet settings; give it in one place",
                )
            )
        elif s.get(key) is not None:
            inst[key] = s[key]
            b.origins[key] = Origin("settings", srows.get(key), {"": "value"})
        elif rows:
            inst[key] = _per_period(rows, "limits", key, n, key, b, exact=True)
            b.origins[key] = Origin("limits", None, {"": key})

    items: list[dict[str, Any]] = []
    i_pos: dict[str, int] = {}
    plain = [c.name for c in _ITEM_COLS]
    for r in t["items"]:
        it: dict[str, Any] = {"id": r["item"]}
        for key in plain:
            put_given(it, key, r[key])
        cols = {k: k for k in plain} | {"id": "item"}
        if r["safety_kind"] is not None or any(
            r[f"safety_{k}"] is not None for k in ("quantity", "days", "level", "penalty")
        ):
            ss: dict[str, Any] = {"kind": r["safety_kind"]}
            for k in ("quantity", "days", "level", "penalty"):
                put_given(ss, k, r[f"safety_{k}"])
                cols[f"safety_stock.{k}"] = f"safety_{k}"
            it["safety_stock"] = ss
            cols |= {"safety_stock.kind": "safety_kind", "safety_stock": "safety_kind"}
        if r["shortage_mode"] is not None or r["shortage_penalty"] is not None:
            sh: dict[str, Any] = {}
            put_given(sh, "mode", r["shortage_mode"])
            put_given(sh, "penalty", r["shortage_penalty"])
            it["shortage"] = sh
            cols |= {
                "shortage.mode": "shortage_mode",
                "shortage.penalty": "shortage_penalty",
                "shortage": "shortage_mode",
            }
        b.origins[f"items[{len(items)}]"] = Origin("items", r["_row"], cols)
        i_pos.setdefault(r["item"], len(items))
        items.append(it)
    for ii, rows in _group(t["demand"], "demand", "item", i_pos, "items", b).items():
        d = _per_period(rows, "demand", "quantity", n, f"item {items[ii]['id']!r}", b)
        items[ii]["demand"] = [v if v is not None else 0.0 for v in d]
        b.origins[f"items[{ii}].demand"] = Origin("demand", rows[0]["_row"], {"": "quantity"})
    for ii, rows in _group(t["history"], "history", "item", i_pos, "items", b).items():
        length = max(r["period"] for r in rows) + 1 if rows else 0
        h = _per_period(
            rows, "history", "quantity", length, f"the history of {items[ii]['id']!r}", b, True
        )
        items[ii]["history"] = [v if v is not None else 0.0 for v in h]
        b.origins[f"items[{ii}].history"] = Origin("history", rows[0]["_row"], {"": "quantity"})
    for ii, rows in _group(t["open_orders"], "open_orders", "item", i_pos, "items", b).items():
        lst = items[ii].setdefault("on_order", [])
        for r in rows:
            b.origins[f"items[{ii}].on_order[{len(lst)}]"] = Origin(
                "open_orders", r["_row"], {"period": "period", "quantity": "quantity"}
            )
            lst.append({"period": r["period"], "quantity": r["quantity"]})
    inst["items"] = items

    sups: list[dict[str, Any]] = []
    for r in t["suppliers"]:
        sp: dict[str, Any] = {"id": r["supplier"]}
        keys = ("joint_order_cost", "truck_capacity", "truck_cost", "max_trucks")
        for key in keys:
            put_given(sp, key, r[key])
        b.origins[f"suppliers[{len(sups)}]"] = Origin(
            "suppliers", r["_row"], {k: k for k in keys} | {"id": "supplier"}
        )
        sups.append(sp)
    if sups:
        inst["suppliers"] = sups

    res: dict[str, Rows] = {}
    for r in t["resources"]:
        res.setdefault(r["resource"], []).append(r)
    resources: list[dict[str, Any]] = []
    for rid, rows in res.items():
        ri = len(resources)
        flat = [r for r in rows if r["period"] is None]
        cap: float | list[Any]
        if flat and (len(rows) > 1):
            b.problems.append(
                Located(
                    "resources",
                    rows[1]["_row"] if flat[0] is rows[0] else flat[0]["_row"],
                    "period",
                    f"resource {rid!r}: give one row with an empty period or one row per "
                    "period, not both",
                )
            )
            cap = flat[0]["capacity"]
        elif flat:
            cap = flat[0]["capacity"]
        else:
            per = _per_period(rows, "resources", "capacity", n, f"resource {rid!r}", b, True)
            cap = [v if v is not None else 0.0 for v in per]
        b.origins[f"resources[{ri}]"] = Origin(
            "resources", rows[0]["_row"], {"id": "resource", "capacity": "capacity"}
        )
        resources.append({"id": rid, "capacity": cap})
    if resources:
        inst["resources"] = resources
    return b


def from_instance(inst: ReplenishmentInstance) -> dict[str, list[dict[str, Any]]]:
    settings: dict[str, Any] = {"periods": inst.periods, "period_days": inst.period_days}
    limits: dict[int, dict[str, Any]] = {}
    for key in ("warehouse_space", "budget"):
        v = getattr(inst, key)
        if isinstance(v, list):
            for k, x in enumerate(v):
                limits.setdefault(k, {"period": k, "warehouse_space": None, "budget": None})[
                    key
                ] = x
            settings[key] = None
        else:
            settings[key] = v
    items = []
    for it in inst.items:
        row: dict[str, Any] = {"item": it.id}
        row |= {c.name: getattr(it, c.name) for c in _ITEM_COLS}
        ss = it.safety_stock
        row |= {
            "safety_kind": ss.kind if ss else None,
            "safety_quantity": ss.quantity if ss else None,
            "safety_days": ss.days if ss else None,
            "safety_level": ss.level if ss else None,
            "safety_penalty": ss.penalty if ss else None,
            "shortage_mode": it.shortage.mode,
            "shortage_penalty": it.shortage.penalty,
        }
        items.append(row)
    return {
        "settings": [settings],
        "items": items,
        "demand": [
            {"item": it.id, "period": k, "quantity": q}
            for it in inst.items
            for k, q in enumerate(it.demand or [])
        ],
        "history": [
            {"item": it.id, "period": k, "quantity": q}
            for it in inst.items
            for k, q in enumerate(it.history or [])
        ],
        "open_orders": [
            {"item": it.id, "period": o.period, "quantity": o.quantity}
            for it in inst.items
            for o in it.on_order
        ],
        "suppliers": [
            {
                "supplier": sp.id,
                "joint_order_cost": sp.joint_order_cost,
                "truck_capacity": sp.truck_capacity,
                "truck_cost": sp.truck_cost,
                "max_trucks": sp.max_trucks,
            }
            for sp in inst.suppliers
        ],
        "resources": [
            {"resource": r.id, "period": k, "capacity": c}
            for r in inst.resources
            for k, c in (enumerate(r.capacity) if isinstance(r.capacity, list) else [])
        ]
        + [
            {"resource": r.id, "period": None, "capacity": r.capacity}
            for r in inst.resources
            if not isinstance(r.capacity, list)
        ],
        "limits": [limits[k] for k in sorted(limits)],
    }


def example() -> ReplenishmentInstance:
    """Three items over eight weeks from one supplier: lead times, packs, a minimum order,
    safety stock, an open order, backorders allowed for one item, shared warehouse space
    (example.json beside this module)."""
    text = resources.files(__package__).joinpath("example.json").read_text(encoding="utf-8")
    return ReplenishmentInstance.model_validate_json(text)
