"""Seeded generator of realistic supplier-selection instances.

A manufacturer buys items (grouped in categories) from suppliers in four regions. Suppliers
specialise in a few categories; far regions are cheaper, slower, riskier and less punctual.
Each offer has price tiers at round quantities of the item's horizon demand (all-units or
incremental), sometimes an MOQ and a pack size. Capacities leave headroom of about 60 %.
Policies: at most 70 % of an item from one supplier, at most 3 suppliers per item, critical
items dual-sourced, a 2.5 % demand-weighted defect limit, two contracts with committed volumes.
Two disruption scenarios: a port closure in Asia (every AS supplier loses half) and one large
supplier failing.

    python tools/make_supplier_instances.py            # writes the example in instances/
    python tools/make_supplier_instances.py --items 500 --suppliers 40 --out big.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path
from typing import Any

REGIONS = {
    # region: (price factor, lead days, defect range, on-time range, risk range)
    "EU": (1.00, (5, 14), (0.002, 0.012), (0.93, 0.99), (0.1, 0.3)),
    "NA": (1.05, (7, 18), (0.002, 0.010), (0.92, 0.99), (0.1, 0.3)),
    "AS": (0.82, (25, 45), (0.005, 0.035), (0.80, 0.95), (0.3, 0.8)),
    "LATAM": (0.90, (14, 30), (0.004, 0.030), (0.82, 0.95), (0.3, 0.7)),
}


def _round_nice(x: float) -> int:
    if x <= 10:
        return max(1, round(x))
    mag = 10 ** (len(str(int(x))) - 2)
    return int(round(x / mag) * mag)


def generate(
    items: int = 60,
    suppliers: int = 12,
    periods: int = 4,
    tiers: int = 3,
    seed: int = 7,
    scenarios: bool = True,
    incremental_share: float = 0.3,
) -> dict[str, Any]:
    rnd = random.Random(seed)
    n_cat = max(3, items // 12)
    sups = []
    regions = list(REGIONS)
    for k in range(suppliers):
        rg = regions[k % len(regions)] if k < len(regions) else rnd.choice(regions)
        pf, lead, dr, ot, rk = REGIONS[rg]
        sups.append(
            {
                "id": f"SUP-{k + 1:03d}",
                "name": f"Supplier {k + 1}",
                "region": rg,
                "fixed_cost": float(rnd.choice([1500, 2500, 4000, 6000, 9000])),
                "lead_time_days": rnd.randint(*lead),
                "defect_rate": round(rnd.uniform(*dr), 4),
                "on_time_rate": round(rnd.uniform(*ot), 3),
                "risk_score": round(rnd.uniform(*rk), 2),
                "_pf": pf * rnd.uniform(0.95, 1.05),
                "_cats": rnd.sample(range(n_cat), k=min(n_cat, rnd.randint(2, 4))),
            }
        )
    # every category has suppliers from a near and a far region
    for c in range(n_cat):
        near = [s for s in sups if s["region"] in ("EU", "NA")]
        if not any(c in s["_cats"] for s in near):
            rnd.choice(near)["_cats"].append(c)
        if sum(c in s["_cats"] for s in sups) < 3:
            for s in rnd.sample(sups, 3):
                if c not in s["_cats"]:
                    s["_cats"].append(c)
    need = [45 + 30 * t for t in range(periods)]  # monthly, the first a month and a half out
    its, offers = [], []
    load: dict[str, float] = {s["id"]: 0.0 for s in sups}
    for i in range(items):
        cat = i % n_cat
        base = round(math.exp(rnd.uniform(math.log(2), math.log(250))), 2)
        mean = rnd.choice([40, 80, 150, 300, 600, 1200])
        season = [1 + 0.25 * math.sin(2 * math.pi * (t + rnd.random()) / 4) for t in range(periods)]
        demand = [max(0, round(mean * f * rnd.uniform(0.8, 1.2))) for f in season]
        total = sum(demand)
        critical = rnd.random() < 0.1
        item: dict[str, Any] = {
            "id": f"ITEM-{i + 1:04d}",
            "name": f"Part {i + 1} (category {cat + 1})",
            "demand": demand,
            "spot_price": round(base * 1.6, 2),
        }
        if critical:
            item["min_suppliers"] = 2
        its.append(item)
        cands = [s for s in sups if cat in s["_cats"]]
        k = min(len(cands), rnd.randint(4, 8))
        chosen = rnd.sample(cands, k)
        if not any(s["defect_rate"] <= 0.012 and s["lead_time_days"] <= need[0] for s in chosen):
            good = [s for s in sups if s["defect_rate"] <= 0.012 and s["lead_time_days"] <= need[0]]
            pick = rnd.choice(good)
            if pick not in chosen:
                chosen.append(pick)
        for s in chosen:
            price = round(base * s["_pf"] * rnd.uniform(0.92, 1.08), 2)
            tr = [{"min_quantity": 0, "price": price}]
            for j in range(1, tiers):
                q = _round_nice(total * (0.25 if j == 1 else 0.55 + 0.25 * (j - 2)))
                disc = 0.04 * j + rnd.uniform(0, 0.03)
                if q > tr[-1]["min_quantity"]:
                    tr.append({"min_quantity": q, "price": round(price * (1 - disc), 2)})
            off: dict[str, Any] = {
                "item": item["id"],
                "supplier": s["id"],
                "tiers": tr,
                "break_type": "incremental" if rnd.random() < incremental_share else "all_units",
            }
            if rnd.random() < 0.35:
                off["moq"] = _round_nice(total * rnd.uniform(0.05, 0.15))
            if rnd.random() < 0.4:
                off["multiple"] = rnd.choice([5, 10, 25]) if mean >= 150 else 5
            if rnd.random() < 0.15:
                off["lead_time_days"] = max(1, s["lead_time_days"] - rnd.randint(2, 10))
            offers.append(off)
            load[s["id"]] += total / len(chosen)
    for s in sups:
        per = load[s["id"]] / periods
        s["capacity"] = [_round_nice(per * 1.6 * rnd.uniform(0.9, 1.3)) + 10] * periods
    big = max(sups, key=lambda s: load[s["id"]])
    asia = [s["id"] for s in sups if s["region"] == "AS"]
    commit = sorted(sups, key=lambda s: -load[s["id"]])[1:3]
    inst: dict[str, Any] = {
        "periods": periods,
        "need_days": need,
        "items": its,
        "suppliers": [{k: v for k, v in s.items() if not k.startswith("_")} for s in sups],
        "offers": offers,
        "policies": {
            "order_basis": "horizon",
            "max_suppliers": 3,
            "max_share_supplier": 0.7,
            "max_defect_rate": 0.025,
            "commitments": [
                {"supplier": s["id"], "min_quantity": _round_nice(load[s["id"]] * 0.3)}
                for s in commit
            ],
        },
    }
    if scenarios:
        inst["scenarios"] = [
            {
                "id": "asia-port-closure",
                "probability": 0.05,
                "capacity_loss": dict.fromkeys(asia, 0.5),
            },
            {"id": f"{big['id']}-insolvent", "probability": 0.02, "failing": [big["id"]]},
        ]
    return inst


def request(inst: dict[str, Any], time_limit_s: float = 60) -> dict[str, Any]:
    return {
        "model": "supplier_selection",
        "instance": inst,
        "options": {"time_limit_s": time_limit_s, "relative_gap": 0.001},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=60)
    ap.add_argument("--suppliers", type=int, default=12)
    ap.add_argument("--periods", type=int, default=4)
    ap.add_argument("--tiers", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-scenarios", action="store_true")
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1]
        / "instances/supplier_selection/manufacturer_60x12.json",
    )
    a = ap.parse_args()
    inst = generate(a.items, a.suppliers, a.periods, a.tiers, a.seed, not a.no_scenarios)
    a.out.write_text(json.dumps(request(inst), indent=1) + "\n")
    print(
        f"wrote {a.out}: {len(inst['items'])} items, {len(inst['suppliers'])} suppliers, "
        f"{len(inst['offers'])} offers"
    )


if __name__ == "__main__":
    main()
