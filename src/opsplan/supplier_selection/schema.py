"""Supplier selection: the instance a buyer sends.

Quantities are whole units. Periods are numbered 0..periods-1; each period's demand is needed
by a date given in days from today (`need_days`). A supplier can serve a period's demand only
when its lead time (the offer's, else the supplier's) is at most that need date.

An *order* is what price tiers and the minimum order quantity apply to: the offer's total over
the horizon (`order_basis="horizon"`, a contract volume) or each period's quantity
(`order_basis="period"`). Order multiples always apply to each period's quantity.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = str
Term = Literal["cost", "defects", "late_units", "risk"]
TERMS: tuple[Term, ...] = ("cost", "defects", "late_units", "risk")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(_Strict):
    id: Id = Field(min_length=1)
    name: str = Field("", description="Display name.")
    demand: list[int] = Field(
        min_length=1, description="Units needed in each period (one number per period)."
    )
    need_days: list[int] | None = Field(
        None,
        description="Day (from today) by which each period's units must arrive; defaults to "
        "the instance's need_days.",
    )
    spot_price: float | None = Field(
        None,
        ge=0,
        description="Price per unit bought on the spot market when a disruption scenario "
        "leaves a shortfall; needed when scenarios are given.",
    )
    max_suppliers: int | None = Field(None, ge=1, description="Overrides policies.max_suppliers.")
    min_suppliers: int | None = Field(None, ge=1, description="Overrides policies.min_suppliers.")
    max_defect_rate: float | None = Field(
        None, ge=0, le=1, description="Overrides policies.max_defect_rate."
    )


class Supplier(_Strict):
    id: Id = Field(min_length=1)
    name: str = Field("", description="Display name.")
    region: str = Field("", description="Region, for the per-region share limit.")
    fixed_cost: float = Field(
        0.0, ge=0, description="Paid once when the supplier gets any award (contract, onboarding)."
    )
    capacity: list[int] | None = Field(
        None, description="Units it can deliver in each period over all items; none = unlimited."
    )
    lead_time_days: int = Field(0, ge=0, description="Days from order to delivery.")
    defect_rate: float = Field(0.0, ge=0, le=1, description="Share of units that are defective.")
    on_time_rate: float = Field(1.0, ge=0, le=1, description="Share of deliveries on time.")
    risk_score: float = Field(0.0, ge=0, description="Risk per unit awarded (any scale, >= 0).")


class Tier(_Strict):
    min_quantity: int = Field(ge=0, description="The tier starts at this order quantity.")
    price: float = Field(ge=0, description="Unit price in this tier.")


class Offer(_Strict):
    item: Id
    supplier: Id
    tiers: list[Tier] = Field(
        min_length=1,
        description="Price tiers by ascending min_quantity; the first starts at 0. One tier is "
        "a flat price.",
    )
    break_type: Literal["all_units", "incremental"] = Field(
        "all_units",
        description="all_units: the whole order at the price of the tier it reaches; "
        "incremental: each tier's part of the order at that tier's price.",
    )
    moq: int = Field(0, ge=0, description="Minimum order quantity: an order is 0 or at least this.")
    multiple: int = Field(1, ge=1, description="Each period's quantity is a multiple of this.")
    max_quantity: int | None = Field(None, ge=0, description="Most units per period.")
    lead_time_days: int | None = Field(None, ge=0, description="Overrides the supplier's.")


class Commitment(_Strict):
    supplier: Id
    item: Id | None = Field(None, description="One item, or (none) all the supplier's items.")
    min_quantity: int = Field(ge=1, description="Units that must be awarded over the horizon.")


class Policies(_Strict):
    order_basis: Literal["horizon", "period"] = Field(
        "horizon", description="What price tiers and MOQ apply to (see the module text)."
    )
    min_suppliers: int | None = Field(None, ge=1, description="At least this many per item.")
    max_suppliers: int | None = Field(None, ge=1, description="At most this many per item.")
    max_share_supplier: float | None = Field(
        None, gt=0, le=1, description="Most of an item's total demand one supplier may get."
    )
    max_share_region: float | None = Field(
        None, gt=0, le=1, description="Most of an item's total demand one region may get."
    )
    max_defect_rate: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Expected defective units of an item at most this share of its demand.",
    )
    budget: float | None = Field(None, ge=0, description="Purchase plus fixed cost at most this.")
    commitments: list[Commitment] = Field(
        default_factory=list, description="Volumes committed under existing contracts."
    )


class Scenario(_Strict):
    id: Id = Field(min_length=1)
    probability: float = Field(gt=0, le=1)
    failing: list[Id] = Field(default_factory=list, description="Suppliers that deliver nothing.")
    capacity_loss: dict[Id, float] = Field(
        default_factory=dict,
        description="Supplier -> share of each awarded quantity it fails to deliver (0..1).",
    )


class Cvar(_Strict):
    alpha: float = Field(gt=0, lt=1, description="Quantile level, e.g. 0.9.")
    max_cost: float = Field(
        ge=0, description="Mean scenario cost in the worst (1 - alpha) tail at most this."
    )


class WeightedTerm(_Strict):
    term: Term
    weight: float = Field(1.0, ge=0)


class Objective(_Strict):
    mode: Literal["cost", "weighted", "lexicographic", "pareto"] = Field(
        "cost",
        description="cost: expected total cost; weighted: sum of weighted terms; "
        "lexicographic: terms in order; pareto: cost against `pareto_term`, several plans.",
    )
    terms: list[WeightedTerm] = Field(
        default_factory=list, description="For weighted and lexicographic modes."
    )
    lexicographic_tolerance: float = Field(
        0.0, ge=0, le=1, description="A later level may worsen an earlier one by this share."
    )
    pareto_term: Term = Field("risk", description="What pareto mode trades cost against.")
    pareto_points: int = Field(5, ge=2, le=50, description="Plans in pareto mode.")


class SupplierInstance(_Strict):
    periods: int = Field(1, ge=1, le=366, description="Number of periods.")
    need_days: list[int] | None = Field(
        None, description="Day each period's demand is needed by; default 7, 14, 21, ..."
    )
    items: list[Item] = Field(min_length=1)
    suppliers: list[Supplier] = Field(min_length=1)
    offers: list[Offer] = Field(min_length=1)
    policies: Policies = Field(default_factory=Policies)
    scenarios: list[Scenario] = Field(default_factory=list)
    cvar: Cvar | None = Field(None, description="Bound on the tail of scenario costs.")
    objective: Objective = Field(default_factory=Objective)

    @model_validator(mode="after")
    def _defaults(self) -> SupplierInstance:
        if self.need_days is None:
            self.need_days = [7 * (t + 1) for t in range(self.periods)]
        return self
