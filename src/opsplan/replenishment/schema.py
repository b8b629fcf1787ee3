"""Inventory replenishment and lot sizing: the instance a caller sends.

Periods are 0-based (period 0 is the first planning period). An order placed (or a lot
started) in period t arrives in period t + lead_time. Stock is counted at the end of each
period, after that period's arrivals and demand.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OnOrder(_Strict):
    period: int = Field(ge=0, description="Period in which the open order arrives (0-based).")
    quantity: float = Field(gt=0, description="Units arriving.")


class SafetyStock(_Strict):
    kind: Literal["fixed", "days_of_cover", "service_level"] = Field(
        description="fixed: `quantity` units; days_of_cover: `days` of the average forecast "
        "demand; service_level: z(level) x forecast error x sqrt(lead_time + 1)."
    )
    quantity: float | None = Field(None, ge=0, description="Units (kind fixed).")
    days: float | None = Field(None, ge=0, description="Days of cover (kind days_of_cover).")
    level: float | None = Field(
        None, gt=0, lt=1, description="Target cycle service level, e.g. 0.95 (kind service_level)."
    )
    penalty: float | None = Field(
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


class Shortage(_Strict):
    mode: Literal["none", "backorder", "lost_sales"] = Field(
        "none",
        description="none: demand must be met on time; backorder: unmet demand waits "
        "(penalty per unit per period waiting); lost_sales: unmet demand is lost (penalty "
        "per unit lost).",
    )
    penalty: float = Field(0.0, ge=0, description="Cost per unit (and period, for backorders).")


class Item(_Strict):
    id: Id = Field(min_length=1)
    initial_stock: float = Field(0.0, ge=0, description="Units on hand before period 0.")
    initial_backorder: float = Field(
        0.0, ge=0, description="Units already owed to customers before period 0 (backorder mode)."
    )
    on_order: list[OnOrder] = Field(default_factory=list, description="Orders on the way.")
    lead_time: int = Field(0, ge=0, description="Periods between ordering and arrival.")
    unit_cost: float = Field(0.0, ge=0, description="Purchase (or variable production) cost.")
    holding_cost: float = Field(0.0, ge=0, description="Cost per unit in stock per period end.")
    order_cost: float = Field(0.0, ge=0, description="Fixed cost per order (or setup cost).")
    moq: float = Field(0.0, ge=0, description="Minimum order quantity (0: none).")
    pack_size: float | None = Field(
        None, gt=0, description="Order multiple: quantities are whole packs of this size."
    )
    max_order: float | None = Field(None, gt=0, description="Largest quantity in one order.")
    max_stock: float | None = Field(None, ge=0, description="Stock may never exceed this.")
    shelf_life: int | None = Field(
        None,
        ge=1,
        description="Periods a unit stays usable: a unit arriving in period t may serve demand "
        "in t .. t + shelf_life - 1 (first in, first out; initial stock counts as arriving "
        "in period 0).",
    )
    space: float = Field(0.0, ge=0, description="Warehouse space (and truck volume) per unit.")
    supplier: Id | None = Field(
        None, description="Supplier id: joint order cost and truck capacity are per supplier."
    )
    resource: Id | None = Field(
        None, description="Production variant: the resource whose capacity a lot uses."
    )
    time_per_unit: float = Field(0.0, ge=0, description="Resource time per unit produced.")
    setup_time: float = Field(0.0, ge=0, description="Resource time per lot (setup).")
    demand: list[float] | None = Field(
        None, description="Forecast demand per period (length = periods)."
    )
    history: list[float] | None = Field(
        None,
        description="Past demand per period, oldest first; used to forecast when `demand` is "
        "not given (and for the forecast error).",
    )
    forecast_error: float | None = Field(
        None, ge=0, description="Standard deviation of one period's forecast error."
    )
    season_length: int | None = Field(
        None, ge=2, description="Periods in one season of `history` (e.g. 52 weeks), if any."
    )
    safety_stock: SafetyStock | None = None
    shortage: Shortage = Field(default_factory=Shortage)


class Supplier(_Strict):
    id: Id = Field(min_length=1)
    joint_order_cost: float = Field(
        0.0, ge=0, description="Cost per period in which any item of this supplier is ordered."
    )
    truck_capacity: float | None = Field(
        None, gt=0, description="Space one truck carries (items' `space` per unit)."
    )
    truck_cost: float = Field(0.0, ge=0, description="Cost per truck.")
    max_trucks: int | None = Field(None, ge=0, description="Trucks available per period.")


class Resource(_Strict):
    id: Id = Field(min_length=1)
    capacity: float | list[float] = Field(
        description="Time available per period (one value, or one per period)."
    )


class ReplenishmentInstance(_Strict):
    periods: int = Field(ge=1, le=1000, description="Number of planning periods.")
    period_days: float = Field(7.0, gt=0, description="Days in one period (for days of cover).")
    items: list[Item] = Field(min_length=1)
    suppliers: list[Supplier] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    warehouse_space: float | list[float] | None = Field(
        None, description="Space for stock at each period end (one value or one per period)."
    )
    budget: float | list[float] | None = Field(
        None, description="Purchasing budget per period: unit cost of the orders placed then."
    )
