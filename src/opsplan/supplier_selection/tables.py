"""Supplier selection as planner tables, input side: the buyer's workbook (`INPUTS`), the
workbook -> instance reader (`to_instance`), the instance -> rows writer (`from_instance`) and
the example (`example.json` beside this module).

Per-period numbers (demand, need dates, capacities) are one row per period, and an offer's
price tiers one row per tier, so that no cell holds a list of numbers. The generic machinery
(templates, reading, errors by sheet/row/column, writing, the report) lives in opsplan.io; the
result tables and charts are in views.py.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from ..core.tables import Built, Column, Located, Origin, Rows, Table, put_given
from .schema import SupplierInstance

C = Column

SETTINGS = Table(
    "settings",
    "Scalars of the instance: number of periods, purchasing policies, the objective.",
    (
        C("periods", "int", "Number of periods (default: the highest period in sheet demand + 1)."),
        C(
            "order_basis",
            "str",
            "What price tiers and minimum order quantities apply to: horizon (default, the "
            "offer's total over all periods) or period (each period's quantity).",
        ),
        C("min_suppliers", "int", "At least this many suppliers per item."),
        C("max_suppliers", "int", "At most this many suppliers per item."),
        C("max_share_supplier", "float", "Most of an item's demand one supplier may get (0..1)."),
        C("max_share_region", "float", "Most of an item's demand one region may get (0..1)."),
        C("max_defect_rate", "float", "Expected defective units at most this share of demand."),
        C("budget", "float", "Purchase plus fixed cost at most this."),
        C(
            "objective_mode",
            "str",
            "cost (default): expected total cost; weighted or lexicographic: the terms of sheet "
            "objective; pareto: cost against pareto_term, several plans.",
        ),
        C("lexicographic_tolerance", "float", "A later level may worsen an earlier one by this."),
        C("pareto_term", "str", "What pareto mode trades cost against: defects, late_units, risk."),
        C("pareto_points", "int", "Plans in pareto mode (default 5)."),
        C("cvar_alpha", "float", "Quantile level of the scenario-cost tail bound, e.g. 0.9."),
        C("cvar_max_cost", "float", "Mean scenario cost in the worst (1 - alpha) tail at most."),
    ),
    required=False,
    layout="settings",
)
PERIODS = Table(
    "periods",
    "When each period's demand is needed; one row per period. Empty: day 7, 14, 21 ...",
    (
        C("period", "int", "Period number, 0 for the first.", True),
        C("need_day", "int", "Day (from today) by which the period's units must arrive.", True),
    ),
    required=False,
)
ITEMS = Table(
    "items",
    "One row per item to buy.",
    (
        C("item", "str", "Item id, unique (any language).", True),
        C("name", "str", "Display name."),
        C("spot_price", "float", "Unit price on the spot market (needed with scenarios)."),
        C("min_suppliers", "int", "Overrides the min_suppliers setting for this item."),
        C("max_suppliers", "int", "Overrides the max_suppliers setting for this item."),
        C("max_defect_rate", "float", "Overrides the max_defect_rate setting for this item."),
    ),
    min_rows=1,
)
DEMAND = Table(
    "demand",
    "Units needed per item and period; one row per item and period (a missing period is 0).",
    (
        C("item", "str", "Item id (sheet items).", True),
        C("period", "int", "Period number, 0 for the first.", True),
        C("quantity", "int", "Units needed in that period.", True),
        C(
            "need_day",
            "int",
            "Day this item's units are needed by (overrides sheet periods; give it on every "
            "row of the item or on none).",
        ),
    ),
    min_rows=1,
)
SUPPLIERS = Table(
    "suppliers",
    "One row per supplier.",
    (
        C("supplier", "str", "Supplier id, unique (any language).", True),
        C("name", "str", "Display name."),
        C("region", "str", "Region, for the per-region share limit."),
        C("fixed_cost", "float", "Paid once when the supplier gets any award."),
        C("lead_time_days", "int", "Days from order to delivery (default 0)."),
        C("defect_rate", "float", "Share of units that are defective (0..1)."),
        C("on_time_rate", "float", "Share of deliveries on time (0..1, default 1)."),
        C("risk_score", "float", "Risk per unit awarded (any scale, >= 0)."),
    ),
    min_rows=1,
)
CAPACITY = Table(
    "capacity",
    "Units a supplier can deliver per period over all items; one row per supplier and "
    "period. A supplier without rows is unlimited; one with rows needs every period.",
    (
        C("supplier", "str", "Supplier id (sheet suppliers).", True),
        C("period", "int", "Period number, 0 for the first.", True),
        C("capacity", "int", "Units in that period.", True),
    ),
    required=False,
)
OFFERS = Table(
    "offers",
    "What a supplier offers for an item; one row per price tier (a flat price is one row). "
    "The other columns describe the whole offer: give them on its first row.",
    (
        C("item", "str", "Item id (sheet items).", True),
        C("supplier", "str", "Supplier id (sheet suppliers).", True),
        C("min_quantity", "int", "The tier starts at this order quantity (first tier: 0).", True),
        C("price", "float", "Unit price in this tier.", True),
        C(
            "break_type",
            "str",
            "all_units (default): the whole order at the tier it reaches; incremental: each "
            "tier's part at that tier's price.",
        ),
        C("moq", "int", "Minimum order quantity: an order is 0 or at least this."),
        C("multiple", "int", "Each period's quantity is a multiple of this (default 1)."),
        C("max_quantity", "int", "Most units per period."),
        C("lead_time_days", "int", "Overrides the supplier's lead time."),
    ),
    min_rows=1,
)
COMMITMENTS = Table(
    "commitments",
    "Volumes committed under existing contracts; one row each.",
    (
        C("supplier", "str", "Supplier id (sheet suppliers).", True),
        C("item", "str", "One item, or empty: all the supplier's items."),
        C("min_quantity", "int", "Units that must be awarded over the horizon.", True),
    ),
    required=False,
)
SCENARIOS = Table(
    "scenarios",
    "Disruption scenarios; one row each. Shortfalls are bought at the item's spot price.",
    (
        C("scenario", "str", "Scenario id, unique.", True),
        C("probability", "float", "Probability (0..1].", True),
        C("failing", "list", "Suppliers that deliver nothing, comma-separated."),
    ),
    required=False,
)
LOSSES = Table(
    "scenario_losses",
    "Partial losses in a scenario: the share of each award a supplier fails to deliver.",
    (
        C("scenario", "str", "Scenario id (sheet scenarios).", True),
        C("supplier", "str", "Supplier id (sheet suppliers).", True),
        C("share", "float", "Share lost (0..1).", True),
    ),
    required=False,
)
OBJECTIVE = Table(
    "objective",
    "Terms for the weighted and lexicographic objective modes; one row per term, in order.",
    (
        C("term", "str", "cost, defects, late_units or risk.", True),
        C("weight", "float", "Weight in the weighted sum (default 1)."),
    ),
    required=False,
)

INPUTS = (
    SETTINGS,
    PERIODS,
    ITEMS,
    DEMAND,
    SUPPLIERS,
    CAPACITY,
    OFFERS,
    COMMITMENTS,
    SCENARIOS,
    LOSSES,
    OBJECTIVE,
)
_OFFER_KEYS = ("break_type", "moq", "multiple", "max_quantity", "lead_time_days")
_POLICY_KEYS = (
    "order_basis",
    "min_suppliers",
    "max_suppliers",
    "max_share_supplier",
    "max_share_region",
    "max_defect_rate",
    "budget",
)


def _series(
    rows: Rows, table: str, col: str, n: int, what: str, b: Built
) -> tuple[list[Any], list[int]]:
    """Rows with a `period` column -> one value per period 0..n-1 (None where missing)."""
    out: list[Any] = [None] * n
    seen: list[int] = []
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
            seen.append(t)
    return out, seen


def _settings_origin(srows: dict[str, Any], key: str) -> Origin:
    return Origin("settings", srows.get(key), {"": "value"})


def to_instance(t: dict[str, Rows]) -> Built:
    b = Built(instance={})
    for name in ("items", "suppliers", "offers", "scenarios"):
        b.origins[name] = Origin(name, None)
    b.origins["policies.commitments"] = Origin("commitments", None)
    b.origins["objective.terms"] = Origin("objective", None)
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    n = _periods(t, s, b)
    b.instance["items"] = _items(t, n, b)
    b.instance["suppliers"] = _suppliers(t, n, b)
    b.instance["offers"] = _offers(t, b)
    b.instance["policies"] = _policies(t, s, b)
    b.instance["scenarios"] = _scenarios(t, b)
    _cvar(s, b)
    _objective(t, s, b)
    return b


def _periods(t: dict[str, Rows], s: dict[str, Any], b: Built) -> int:
    """The number of periods (setting, else from the demand rows) and the need dates."""
    srows = s.get("_rows", {})
    top = max((r["period"] for r in t["demand"]), default=0) + 1
    n = s.get("periods") or max(top, len(t["periods"]), 1)
    b.instance["periods"] = n
    b.origins["periods"] = (
        _settings_origin(srows, "periods") if "periods" in srows else Origin("demand", None)
    )
    if t["periods"]:
        days, _ = _series(t["periods"], "periods", "need_day", n, "sheet periods", b)
        for k, v in enumerate(days):
            if v is None:
                b.problems.append(Located("periods", None, "period", f"no row for period {k}"))
        b.instance["need_days"] = [v if v is not None else 0 for v in days]
        b.origins["need_days"] = Origin("periods", None, {"": "need_day"})
    return n


def _items(t: dict[str, Rows], n: int, b: Built) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    i_pos: dict[str, int] = {}
    for r in t["items"]:
        it: dict[str, Any] = {"id": r["item"], "demand": [0] * n}
        for key in ("name", "spot_price", "min_suppliers", "max_suppliers", "max_defect_rate"):
            put_given(it, key, r[key])
        b.origins[f"items[{len(items)}]"] = Origin(
            "items",
            r["_row"],
            {k: k for k in ("name", "spot_price", "min_suppliers", "max_suppliers")}
            | {"id": "item", "max_defect_rate": "max_defect_rate"},
        )
        i_pos.setdefault(r["item"], len(items))
        items.append(it)
    by_item: dict[int, Rows] = {}
    for r in t["demand"]:
        ii = i_pos.get(r["item"])
        if ii is None:
            b.problems.append(
                Located("demand", r["_row"], "item", f"unknown item {r['item']!r} (not in items)")
            )
            continue
        by_item.setdefault(ii, []).append(r)
    for ii, rows in by_item.items():
        _demand(items[ii], ii, rows, n, b)
    return items


def _demand(item: dict[str, Any], ii: int, rows: Rows, n: int, b: Built) -> None:
    """One item's demand rows: the quantity per period and, on every row or none, need days."""
    q, _ = _series(rows, "demand", "quantity", n, f"item {item['id']!r}", b)
    item["demand"] = [v if v is not None else 0 for v in q]
    b.origins[f"items[{ii}].demand"] = Origin("demand", rows[0]["_row"], {"": "quantity"})
    given = [r for r in rows if r["need_day"] is not None]
    if not given:
        return
    days, seen = _series(given, "demand", "need_day", n, f"item {item['id']!r}", b)
    if len(seen) < n:
        b.problems.append(
            Located(
                "demand",
                given[0]["_row"],
                "need_day",
                f"item {item['id']!r} has need_day on some periods only; give it for every "
                "period or none",
            )
        )
    item["need_days"] = [v if v is not None else 0 for v in days]
    b.origins[f"items[{ii}].need_days"] = Origin("demand", given[0]["_row"], {"": "need_day"})


_SUPPLIER_KEYS = (
    "name",
    "region",
    "fixed_cost",
    "lead_time_days",
    "defect_rate",
    "on_time_rate",
    "risk_score",
)


def _suppliers(t: dict[str, Rows], n: int, b: Built) -> list[dict[str, Any]]:
    sups: list[dict[str, Any]] = []
    s_pos: dict[str, int] = {}
    for r in t["suppliers"]:
        sp: dict[str, Any] = {"id": r["supplier"]}
        for key in _SUPPLIER_KEYS:
            put_given(sp, key, r[key])
        b.origins[f"suppliers[{len(sups)}]"] = Origin(
            "suppliers", r["_row"], {k: k for k in _SUPPLIER_KEYS} | {"id": "supplier"}
        )
        s_pos.setdefault(r["supplier"], len(sups))
        sups.append(sp)
    by_sup: dict[int, Rows] = {}
    for r in t["capacity"]:
        si = s_pos.get(r["supplier"])
        if si is None:
            msg = f"unknown supplier {r['supplier']!r} (not in suppliers)"
            b.problems.append(Located("capacity", r["_row"], "supplier", msg))
            continue
        by_sup.setdefault(si, []).append(r)
    for si, rows in by_sup.items():
        cap, seen = _series(rows, "capacity", "capacity", n, f"supplier {sups[si]['id']!r}", b)
        if len(seen) < n:
            missing = ", ".join(str(k) for k in range(n) if cap[k] is None)
            msg = f"supplier {sups[si]['id']!r} has no capacity row for period(s) {missing}"
            b.problems.append(Located("capacity", rows[0]["_row"], "period", msg))
        sups[si]["capacity"] = [v if v is not None else 0 for v in cap]
        b.origins[f"suppliers[{si}].capacity"] = Origin(
            "capacity", rows[0]["_row"], {"": "capacity"}
        )
    return sups


def _offers(t: dict[str, Rows], b: Built) -> list[dict[str, Any]]:
    """One offer per (item, supplier); each row one price tier, the offer's columns on its
    first row (a later row may repeat them, never differ)."""
    offers: list[dict[str, Any]] = []
    o_pos: dict[tuple[str, str], int] = {}
    for r in t["offers"]:
        pair = (r["item"], r["supplier"])
        if pair not in o_pos:
            off: dict[str, Any] = {"item": r["item"], "supplier": r["supplier"], "tiers": []}
            for ok in _OFFER_KEYS:
                put_given(off, ok, r[ok])
            b.origins[f"offers[{len(offers)}]"] = Origin(
                "offers",
                r["_row"],
                {k: k for k in (*_OFFER_KEYS, "item", "supplier")} | {"tiers": "price"},
            )
            o_pos[pair] = len(offers)
            offers.append(off)
        else:
            off = offers[o_pos[pair]]
            for ok in _OFFER_KEYS:
                if r[ok] is not None and r[ok] != off.get(ok):
                    msg = (
                        f"differs from the first row of the offer of {r['supplier']!r} for "
                        f"{r['item']!r}; give it on the first row only"
                    )
                    b.problems.append(Located("offers", r["_row"], ok, msg))
        b.origins[f"offers[{o_pos[pair]}].tiers[{len(off['tiers'])}]"] = Origin(
            "offers", r["_row"], {"min_quantity": "min_quantity", "price": "price"}
        )
        off["tiers"].append({"min_quantity": r["min_quantity"], "price": r["price"]})
    return offers


def _policies(t: dict[str, Rows], s: dict[str, Any], b: Built) -> dict[str, Any]:
    srows = s.get("_rows", {})
    pol: dict[str, Any] = {}
    for pk in _POLICY_KEYS:
        put_given(pol, pk, s.get(pk))
        if pk in srows:
            b.origins[f"policies.{pk}"] = _settings_origin(srows, pk)
    cms: list[dict[str, Any]] = []
    for r in t["commitments"]:
        cm: dict[str, Any] = {"supplier": r["supplier"], "min_quantity": r["min_quantity"]}
        put_given(cm, "item", r["item"])
        b.origins[f"policies.commitments[{len(cms)}]"] = Origin(
            "commitments", r["_row"], {k: k for k in ("supplier", "item", "min_quantity")}
        )
        cms.append(cm)
    if cms:
        pol["commitments"] = cms
    return pol


def _scenarios(t: dict[str, Rows], b: Built) -> list[dict[str, Any]]:
    scen: list[dict[str, Any]] = []
    w_pos: dict[str, int] = {}
    for r in t["scenarios"]:
        w: dict[str, Any] = {"id": r["scenario"], "probability": r["probability"]}
        put_given(w, "failing", r["failing"])
        b.origins[f"scenarios[{len(scen)}]"] = Origin(
            "scenarios",
            r["_row"],
            {"id": "scenario", "probability": "probability", "failing": "failing"},
        )
        w_pos.setdefault(r["scenario"], len(scen))
        scen.append(w)
    for r in t["scenario_losses"]:
        wi = w_pos.get(r["scenario"])
        if wi is None:
            msg = f"unknown scenario {r['scenario']!r} (not in scenarios)"
            b.problems.append(Located("scenario_losses", r["_row"], "scenario", msg))
            continue
        scen[wi].setdefault("capacity_loss", {})[r["supplier"]] = r["share"]
        b.origins[f"scenarios[{wi}].capacity_loss"] = Origin(
            "scenario_losses", r["_row"], {"": "share"}
        )
    return scen


def _cvar(s: dict[str, Any], b: Built) -> None:
    if s.get("cvar_alpha") is None and s.get("cvar_max_cost") is None:
        return
    srows = s.get("_rows", {})
    b.instance["cvar"] = {"alpha": s.get("cvar_alpha"), "max_cost": s.get("cvar_max_cost")}
    b.origins["cvar"] = Origin(
        "settings", srows.get("cvar_alpha", srows.get("cvar_max_cost")), {"": "value"}
    )


def _objective(t: dict[str, Rows], s: dict[str, Any], b: Built) -> None:
    srows = s.get("_rows", {})
    ob: dict[str, Any] = {}
    for src, dst in (
        ("objective_mode", "mode"),
        ("lexicographic_tolerance", "lexicographic_tolerance"),
        ("pareto_term", "pareto_term"),
        ("pareto_points", "pareto_points"),
    ):
        put_given(ob, dst, s.get(src))
        if src in srows:
            b.origins[f"objective.{dst}"] = _settings_origin(srows, src)
    terms: list[dict[str, Any]] = []
    for r in t["objective"]:
        term: dict[str, Any] = {"term": r["term"]}
        put_given(term, "weight", r["weight"])
        b.origins[f"objective.terms[{len(terms)}]"] = Origin(
            "objective", r["_row"], {"term": "term", "weight": "weight"}
        )
        terms.append(term)
    if terms:
        ob["terms"] = terms
    if ob:
        b.instance["objective"] = ob


def from_instance(inst: SupplierInstance) -> dict[str, list[dict[str, Any]]]:
    pol, ob = inst.policies, inst.objective
    pareto = ob.mode == "pareto"
    settings: dict[str, Any] = {"periods": inst.periods}
    settings |= {k: getattr(pol, k) for k in _POLICY_KEYS}
    settings |= {
        "objective_mode": ob.mode,
        "lexicographic_tolerance": ob.lexicographic_tolerance or None,
        "pareto_term": ob.pareto_term if pareto or ob.pareto_term != "risk" else None,
        "pareto_points": ob.pareto_points if pareto or ob.pareto_points != 5 else None,
        "cvar_alpha": inst.cvar.alpha if inst.cvar else None,
        "cvar_max_cost": inst.cvar.max_cost if inst.cvar else None,
    }
    return {
        "settings": [settings],
        "periods": [{"period": k, "need_day": d} for k, d in enumerate(inst.need_days or [])],
        "items": [
            {
                "item": it.id,
                "name": it.name or None,
                "spot_price": it.spot_price,
                "min_suppliers": it.min_suppliers,
                "max_suppliers": it.max_suppliers,
                "max_defect_rate": it.max_defect_rate,
            }
            for it in inst.items
        ],
        "demand": [
            {
                "item": it.id,
                "period": k,
                "quantity": q,
                "need_day": it.need_days[k] if it.need_days else None,
            }
            for it in inst.items
            for k, q in enumerate(it.demand)
        ],
        "suppliers": [
            {
                "supplier": sp.id,
                "name": sp.name or None,
                "region": sp.region or None,
                "fixed_cost": sp.fixed_cost,
                "lead_time_days": sp.lead_time_days,
                "defect_rate": sp.defect_rate,
                "on_time_rate": sp.on_time_rate,
                "risk_score": sp.risk_score,
            }
            for sp in inst.suppliers
        ],
        "capacity": [
            {"supplier": sp.id, "period": k, "capacity": c}
            for sp in inst.suppliers
            for k, c in enumerate(sp.capacity or [])
        ],
        "offers": [
            {
                "item": o.item,
                "supplier": o.supplier,
                "min_quantity": tier.min_quantity,
                "price": tier.price,
            }
            | (
                {
                    "break_type": o.break_type,
                    "moq": o.moq,
                    "multiple": o.multiple,
                    "max_quantity": o.max_quantity,
                    "lead_time_days": o.lead_time_days,
                }
                if x == 0
                else dict.fromkeys(_OFFER_KEYS)
            )
            for o in inst.offers
            for x, tier in enumerate(o.tiers)
        ],
        "commitments": [
            {"supplier": c.supplier, "item": c.item, "min_quantity": c.min_quantity}
            for c in pol.commitments
        ],
        "scenarios": [
            {"scenario": w.id, "probability": w.probability, "failing": list(w.failing) or None}
            for w in inst.scenarios
        ],
        "scenario_losses": [
            {"scenario": w.id, "supplier": sp, "share": share}
            for w in inst.scenarios
            for sp, share in w.capacity_loss.items()
        ],
        "objective": [{"term": x.term, "weight": x.weight} for x in ob.terms],
    }


def example() -> SupplierInstance:
    """Two items over three periods, three suppliers in two regions, a volume discount, a
    minimum order, a capacity limit and a share limit (example.json)."""
    text = resources.files(__package__).joinpath("example.json").read_text(encoding="utf-8")
    return SupplierInstance.model_validate_json(text)
