"""Inventory replenishment and lot sizing: the instance a caller sends.

Periods are 0-based (period 0 is the first planning period). An order placed (or a lot
started) in period t arrives in period t + lead_time. Stock is counted at the end of each
period, after that period's arrivals and demand.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..core.schema_types import Amount, Count, NonNegAmount, NonNegMoney, StrictModel

Id = str

# The rules of models/replenishment.md, in its order: the formulation's add_<rule>(), the
# checker's check_<rule>() and every finding's rule use these names.
RULES = (
    "lead_time",
    "shortage",
    "balance",
    "order_link",
    "moq",
    "pack_size",
    "max_order",
    "safety_stock",
    "stock_or_backlog",
    "max_stock",
    "shelf_life",
    "warehouse_space",
    "budget",
    "capacity",
    "joint_order",
    "trucks",
)

# The objective's terms, as `penalties` reports them (shared vocabulary: the solver's plan cost
# and the independent checker both name the terms so).
COST_TERMS = (
    "purchase",
    "ordering",
    "holding",
    "backorder",
    "lost_sales",
    "below_safety",
    "joint_order",
    "trucks",
)


class OnOrder(StrictModel):
    """An order already placed and on the way."""

    period: Count = Field(ge=0, description="Period in which the open order arrives (0-based).")
    quantity: Amount = Field(gt=0, description="Units arriving.")


class SafetyStock(StrictModel):
    """The safety stock rule of one item: fixed units, days of cover or a service level."""

    kind: Literal["fixed", "days_of_cover", "service_level"] = Field(
        description="fixed: `quantity` units; days_of_cover: `days` of the average forecast "
        "demand; service_level: z(level) x forecast error x sqrt(lead_time + 1)."
    )
    quantity: Amount | None = Field(None, ge=0, description="Units (kind fixed).")
    days: Amount | None = Field(None, ge=0, description="Days of cover (kind days_of_cover).")
    level: float | None = Field(
        None, gt=0, lt=1, description="Target cycle service level, e.g. 0.95 (kind service_level)."
    )
    penalty: Amount | None = Field(
        None,
        ge=0,
        description="Cost per unit below safety stock per period (soft rule). Default: the "
        "item's unit cost, or 1 when that is 0.",
    )

    @model_validator(mode="after")
    def _needs(self) -> SafetyStock:
        need = {"fixed": "quantity", "days_of_cover": "days", "service_level": "level"}[self.kind]
        if getattr(self, need) is None:
            raise ValueError(f"safety stock of kind {self.kind!r} needs `{need}`")
        return self


class Shortage(StrictModel):
    """Unmet demand: not allowed, waiting (backorder) or lost."""

    mode: Literal["none", "backorder", "lost_sales"] = Field(
        "none",
        description="none: demand must be met on time; backorder: unmet demand waits "
        "(penalty per unit per period waiting); lost_sales: unmet demand is lost (penalty "
        "per unit lost).",
    )
    penalty: Amount = Field(0.0, ge=0, description="Cost per unit (and period, for backorders).")


class Item(StrictModel):
    """One item: its costs, ordering rules, stock limits, demand and shortage rule."""

    id: Id = Field(min_length=1, description="Item id, unique among the items.")
    initial_stock: Amount = Field(0.0, ge=0, description="Units on hand before period 0.")
    initial_backorder: Amount = Field(
        0.0, ge=0, description="Units already owed to customers before period 0 (backorder mode)."
    )
    on_order: list[OnOrder] = Field(default_factory=list, description="Orders on the way.")
    lead_time: Count = Field(0, ge=0, description="Periods between ordering and arrival.")
    unit_cost: Amount = Field(0.0, ge=0, description="Purchase (or variable production) cost.")
    holding_cost: Amount = Field(0.0, ge=0, description="Cost per unit in stock per period end.")
    order_cost: Amount = Field(0.0, ge=0, description="Fixed cost per order (or setup cost).")
    moq: Amount = Field(0.0, ge=0, description="Minimum order quantity (0: none).")
    pack_size: Amount | None = Field(
        None, gt=0, description="Order multiple: quantities are whole packs of this size."
    )
    max_order: Amount | None = Field(None, gt=0, description="Largest quantity in one order.")
    max_stock: Amount | None = Field(None, ge=0, description="Stock may never exceed this.")
    shelf_life: Count | None = Field(
        None,
        ge=1,
        description="Periods a unit stays usable: a unit arriving in period t may serve demand "
        "in t .. t + shelf_life - 1 (first in, first out; initial stock counts as arriving "
        "in period 0).",
    )
    space: Amount = Field(0.0, ge=0, description="Warehouse space (and truck volume) per unit.")
    supplier: Id | None = Field(
        None, description="Supplier id: joint order cost and truck capacity are per supplier."
    )
    resource: Id | None = Field(
        None, description="Production variant: the resource whose capacity a lot uses."
    )
    time_per_unit: Amount = Field(0.0, ge=0, description="Resource time per unit produced.")
    setup_time: Amount = Field(0.0, ge=0, description="Resource time per lot (setup).")
    demand: list[NonNegAmount] | None = Field(
        None, description="Forecast demand per period (length = periods)."
    )
    history: list[NonNegAmount] | None = Field(
        None,
        description="Past demand per period, oldest first; used to forecast when `demand` is "
        "not given (and for the forecast error).",
    )
    forecast_error: Amount | None = Field(
        None, ge=0, description="Standard deviation of one period's forecast error."
    )
    season_length: Count | None = Field(
        None, ge=2, description="Periods in one season of `history` (e.g. 52 weeks), if any."
    )
    safety_stock: SafetyStock | None = Field(
        None, description="Safety stock to keep at period ends (soft: a shortfall is paid)."
    )
    shortage: Shortage = Field(
        default_factory=Shortage,
        description="What happens to demand that is not met on time (default: not allowed).",
    )


class Supplier(StrictModel):
    """A supplier shared by several items: joint order cost and trucks."""

    id: Id = Field(min_length=1, description="Supplier id, unique among the suppliers.")
    joint_order_cost: Amount = Field(
        0.0, ge=0, description="Cost per period in which any item of this supplier is ordered."
    )
    truck_capacity: Amount | None = Field(
        None, gt=0, description="Space one truck carries (items' `space` per unit)."
    )
    truck_cost: Amount = Field(0.0, ge=0, description="Cost per truck.")
    max_trucks: Count | None = Field(None, ge=0, description="Trucks available per period.")


class Resource(StrictModel):
    """A production resource whose time the items' lots use."""

    id: Id = Field(min_length=1, description="Resource id, unique among the resources.")
    capacity: NonNegAmount | list[NonNegAmount] = Field(
        description="Time available per period (one value, or one per period)."
    )


class ReplenishmentInstance(StrictModel):
    """What a caller sends: items over a horizon of periods, with what they share."""

    periods: int = Field(ge=1, le=1000, description="Number of planning periods.")
    period_days: Amount = Field(7.0, gt=0, description="Days in one period (for days of cover).")
    items: list[Item] = Field(min_length=1, description="Items to plan (bought or produced).")
    suppliers: list[Supplier] = Field(
        default_factory=list, description="Suppliers with a joint order cost or trucks."
    )
    resources: list[Resource] = Field(
        default_factory=list, description="Production resources (the production variant)."
    )
    warehouse_space: NonNegAmount | list[NonNegAmount] | None = Field(
        None, description="Space for stock at each period end (one value or one per period)."
    )
    budget: NonNegMoney | list[NonNegMoney] | None = Field(
        None, description="Purchasing budget per period: unit cost of the orders placed then."
    )


# ------------------------------------------------------------------ the plan


class Order(StrictModel):
    """One order (or production lot) of the plan."""

    item: Id = Field(description="Item id.")
    order_period: int = Field(ge=0, description="Period in which the order is placed.")
    arrival_period: int = Field(
        ge=0, description="Period in which it arrives: order_period + the item's lead time."
    )
    quantity: float = Field(gt=0, description="Units ordered (whole packs for pack items).")
    packs: int | None = Field(
        None, ge=0, description="Packs ordered: quantity / pack_size (items with a pack size)."
    )


class StockRow(StrictModel):
    """One item at the end of one period: the balance of arrivals, demand and shortage."""

    item: Id = Field(description="Item id.")
    period: int = Field(ge=0, description="Period (0-based).")
    demand: float = Field(description="Demand of the period (given or forecast).")
    arrivals: float = Field(description="Units arriving in the period: planned and open orders.")
    stock: float = Field(ge=0, description="Units on hand at the end of the period.")
    backorder: float = Field(ge=0, description="Units owed to customers at the end of the period.")
    lost: float = Field(ge=0, description="Sales lost in the period (lost-sales items).")
    safety_stock: float = Field(ge=0, description="The item's safety stock in units.")


class ForecastRow(StrictModel):
    """How one item's demand was obtained and the safety stock it gives."""

    item: Id = Field(description="Item id.")
    method: str = Field(
        description="given (the instance's demand), or the forecast method: croston, simple, "
        "trend, seasonal, trend_seasonal, mean, none."
    )
    forecast_error: float = Field(
        ge=0, description="Standard deviation of one period's forecast error."
    )
    safety_stock: float = Field(ge=0, description="Safety stock in units.")


class PolicyRow(StrictModel):
    """Classic replenishment rules for one item, from its forecast (see models/replenishment.md)."""

    item: Id = Field(description="Item id.")
    mean_demand: float = Field(ge=0, description="Mean demand per period.")
    forecast_error: float = Field(
        ge=0, description="Standard deviation of one period's forecast error."
    )
    forecast_method: str = Field(description="How the demand was obtained (as in `forecasts`).")
    safety_stock: float = Field(ge=0, description="Safety stock in units.")
    eoq: float = Field(
        ge=0, description="Economic order quantity, raised to the MOQ, in whole packs."
    )
    reorder_point: float = Field(
        ge=0, description="(R, Q) and (s, S): reorder point mean x (lead time + 1) + safety stock."
    )
    order_up_to: float = Field(ge=0, description="(s, S): order up to reorder point + EOQ.")


class ReplenishmentSolution(StrictModel):
    """The plan: orders, the projected stock they give, the forecasts and per-item policies."""

    orders: list[Order] = Field(
        description="Orders (or lots), by order period then item; one per item and period."
    )
    stock: list[StockRow] = Field(description="One row per item and period, items in order.")
    forecasts: list[ForecastRow] = Field(description="One row per item, in the instance's order.")
    policies: list[PolicyRow] = Field(description="One row per item, in the instance's order.")
