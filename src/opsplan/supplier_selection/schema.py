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

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from ..core.schema_types import Amount, Count, Money, NonNegCount, Share, StrictModel
from ..core.status import SolveStatus

Id = str
Term = Literal["cost", "defects", "late_units", "risk"]
TERMS: tuple[Term, ...] = ("cost", "defects", "late_units", "risk")

# The rules of models/supplier_selection.md, in its order: Formulation.add_<rule>() (milp.py),
# check_<rule>() (check.py) and every Finding.rule of the checker and the diagnosis.
RULES: tuple[str, ...] = (
    "lead_time",
    "order_multiple",
    "max_quantity",
    "price_all_units",
    "price_incremental",
    "moq",
    "order_links",
    "fixed_cost",
    "demand",
    "capacity",
    "supplier_count",
    "max_share_supplier",
    "max_share_region",
    "defect_rate",
    "commitments",
    "budget",
    "scenarios",
    "cvar",
)


class Item(StrictModel):
    id: Id = Field(min_length=1, description="Item id, unique among the items.")
    name: str = Field("", description="Display name.")
    demand: list[NonNegCount] = Field(
        min_length=1, description="Units needed in each period (one number per period)."
    )
    need_days: list[NonNegCount] | None = Field(
        None,
        description="Day (from today) by which each period's units must arrive; defaults to "
        "the instance's need_days.",
    )
    spot_price: Amount | None = Field(
        None,
        ge=0,
        description="Price per unit bought on the spot market when a disruption scenario "
        "leaves a shortfall; needed when scenarios are given.",
    )
    max_suppliers: Count | None = Field(None, ge=1, description="Overrides policies.max_suppliers.")
    min_suppliers: Count | None = Field(None, ge=1, description="Overrides policies.min_suppliers.")
    max_defect_rate: float | None = Field(
        None, ge=0, le=1, description="Overrides policies.max_defect_rate."
    )


class Supplier(StrictModel):
    id: Id = Field(min_length=1, description="Supplier id, unique among the suppliers.")
    name: str = Field("", description="Display name.")
    region: str = Field("", description="Region, for the per-region share limit.")
    fixed_cost: Money = Field(
        0.0, ge=0, description="Paid once when the supplier gets any award (contract, onboarding)."
    )
    capacity: list[NonNegCount] | None = Field(
        None, description="Units it can deliver in each period over all items; none = unlimited."
    )
    lead_time_days: Count = Field(0, ge=0, description="Days from order to delivery.")
    defect_rate: float = Field(0.0, ge=0, le=1, description="Share of units that are defective.")
    on_time_rate: float = Field(1.0, ge=0, le=1, description="Share of deliveries on time.")
    risk_score: Amount = Field(0.0, ge=0, description="Risk per unit awarded (any scale, >= 0).")


class Tier(StrictModel):
    min_quantity: Count = Field(ge=0, description="The tier starts at this order quantity.")
    price: Amount = Field(ge=0, description="Unit price in this tier.")


class Offer(StrictModel):
    item: Id = Field(description="The item offered (an id of `items`).")
    supplier: Id = Field(description="The supplier offering it (an id of `suppliers`).")
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
    moq: Count = Field(
        0, ge=0, description="Minimum order quantity: an order is 0 or at least this."
    )
    multiple: Count = Field(1, ge=1, description="Each period's quantity is a multiple of this.")
    max_quantity: Count | None = Field(None, ge=0, description="Most units per period.")
    lead_time_days: Count | None = Field(None, ge=0, description="Overrides the supplier's.")


class Commitment(StrictModel):
    supplier: Id = Field(description="The supplier under contract (an id of `suppliers`).")
    item: Id | None = Field(None, description="One item, or (none) all the supplier's items.")
    min_quantity: Count = Field(ge=1, description="Units that must be awarded over the horizon.")


class Policies(StrictModel):
    order_basis: Literal["horizon", "period"] = Field(
        "horizon", description="What price tiers and MOQ apply to (see the module text)."
    )
    min_suppliers: Count | None = Field(None, ge=1, description="At least this many per item.")
    max_suppliers: Count | None = Field(None, ge=1, description="At most this many per item.")
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
    budget: Money | None = Field(None, ge=0, description="Purchase plus fixed cost at most this.")
    commitments: list[Commitment] = Field(
        default_factory=list, description="Volumes committed under existing contracts."
    )


class Scenario(StrictModel):
    id: Id = Field(min_length=1, description="Scenario id, unique among the scenarios.")
    probability: float = Field(
        gt=0, le=1, description="Probability of the scenario; the rest is the nominal one."
    )
    failing: list[Id] = Field(default_factory=list, description="Suppliers that deliver nothing.")
    capacity_loss: dict[Id, Share] = Field(
        default_factory=dict,
        description="Supplier -> share of each awarded quantity it fails to deliver (0..1).",
    )


class Cvar(StrictModel):
    alpha: float = Field(gt=0, lt=1, description="Quantile level, e.g. 0.9.")
    max_cost: Money = Field(
        ge=0, description="Mean scenario cost in the worst (1 - alpha) tail at most this."
    )


class WeightedTerm(StrictModel):
    term: Term = Field(description="cost, defects, late_units or risk.")
    weight: Amount = Field(1.0, ge=0, description="Weight in the weighted sum.")


class Objective(StrictModel):
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


class SupplierInstance(StrictModel):
    periods: int = Field(1, ge=1, le=366, description="Number of periods.")
    need_days: list[NonNegCount] | None = Field(
        None, description="Day each period's demand is needed by; default 7, 14, 21, ..."
    )
    items: list[Item] = Field(min_length=1, description="The items to buy.")
    suppliers: list[Supplier] = Field(min_length=1, description="The suppliers that may deliver.")
    offers: list[Offer] = Field(
        min_length=1, description="What each supplier offers for an item: one per pair."
    )
    policies: Policies = Field(
        default_factory=Policies, description="Limits on the awards: counts, shares, budget."
    )
    scenarios: list[Scenario] = Field(
        default_factory=list, description="Disruption scenarios (none: a deterministic plan)."
    )
    cvar: Cvar | None = Field(None, description="Bound on the tail of scenario costs.")
    objective: Objective = Field(default_factory=Objective, description="What to minimise.")

    @model_validator(mode="after")
    def _defaults(self) -> SupplierInstance:
        if self.need_days is None:
            self.need_days = [7 * (t + 1) for t in range(self.periods)]
        return self


# ------------------------------------------------------------------ the plan


class Award(StrictModel):
    """One line of the plan: units of an item bought from a supplier for a period."""

    item: Id = Field(description="The item (an id of `items`).")
    supplier: Id = Field(description="The supplier (an id of `suppliers`).")
    period: int = Field(ge=0, description="Period number, 0 for the first.")
    quantity: int = Field(ge=0, description="Units awarded for that period.")
    tier: int = Field(
        ge=0, description="Index of the highest price tier the line's order reaches (0: first)."
    )
    unit_price: float = Field(
        ge=0,
        description="The order's cost divided by its units, rounded to 6 decimals (all-units: "
        "the tier's price; incremental: the average over the tiers).",
    )
    cost: float = Field(
        ge=0,
        description="This line's share of its order's cost, by quantity (an order over the "
        "horizon spans several periods).",
    )


class ParetoPoint(StrictModel):
    """One plan of the pareto mode: the cheapest plan with the traded term at most `epsilon`.

    Of `defects`, `late_units` and `risk` only the traded term (`objective.pareto_term`) is
    given. A point whose solve found no plan has `status` and `epsilon` only, the rest null.
    """

    epsilon: float | None = Field(
        description="The bound on the traded term; null for plan 0 (the cheapest plan)."
    )
    status: SolveStatus = Field(description="How this point's solve ended.")
    cost: float | None = Field(None, description="Expected total cost of the plan.")
    defects: float | None = Field(None, description="Expected defective units (pareto term).")
    late_units: float | None = Field(None, description="Expected late units (pareto term).")
    risk: float | None = Field(None, description="Risk score times units (pareto term).")
    bound: float | None = Field(None, description="The solver's lower bound on the cost.")
    gap: float | None = Field(None, description="Relative gap between cost and bound.")
    awards: list[Award] | None = Field(None, description="The plan, as in `awards`.")

    @model_serializer(mode="wrap")
    def _only_the_traded_term(self, handler: SerializerFunctionWrapHandler):
        out = handler(self)
        for term in ("defects", "late_units", "risk"):
            if out.get(term) is None:
                out.pop(term, None)
        return out


class SupplierSolution(StrictModel):
    """The plan: who delivers how much of each item in each period, with what it costs."""

    awards: list[Award] = Field(
        description="Award lines by item, offer and period; only lines with units."
    )
    pareto: list[ParetoPoint] | None = Field(
        None,
        description="Pareto mode only (absent otherwise): the plans from cheapest to safest; "
        "plan 0 is the main plan (`awards`).",
    )

    @model_serializer(mode="wrap")
    def _pareto_mode_only(self, handler: SerializerFunctionWrapHandler):
        out = handler(self)
        if out.get("pareto") is None:
            out.pop("pareto", None)
        return out
