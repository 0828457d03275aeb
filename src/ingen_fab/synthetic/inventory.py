"""The stock ledger: one row per (store, carried active product), simulated day by day.

Each day: replenishments due arrive (``received``), sales are capped by the stock on hand,
``closing = opening + received - units_sold``, and a pair at or below its reorder point orders
back up to its target, arriving after the store's lead time. Pairs are kept sorted by
(store_id, product row) so sampling within a store and the output are both ordered.
"""

from __future__ import annotations

from ingen_fab.synthetic import columns as col

FIELDS = (
    "store",
    "product",
    "stock",
    "reorder",
    "target",
    "lead",
    "pending",
    "due",
    "opening",
    "received",
    "sold",
)
COVER_DAYS = 7  # target stock covers the lead time plus this many days of expected sales


class Stock:
    def __init__(self, stores, share: float, daily_units: float, store_demand):
        """``store_demand``: each store's expected share of units sold (indexed by row)."""
        import numpy as np

        self.stores = stores
        self.share = share
        self._units_per_store = store_demand * daily_units
        self.data = {name: np.zeros(0, dtype=np.int64) for name in FIELDS}

    def __len__(self) -> int:
        return len(self.data["store"])

    # -- assortment --------------------------------------------------------------------------
    def add_products(self, rng, rows, popularity, day: int, initial: bool = False) -> None:
        """Stock newly carried products: all of them online, a share of them in each store."""
        import numpy as np

        stores = self.stores.store_id
        online = np.stack([np.full(len(rows), stores[0]), rows], axis=1)
        if self.share >= 1.0:
            store_part = np.repeat(stores[1:], len(rows))
            product_part = np.tile(rows, len(stores) - 1)
        else:
            per_product = rng.binomial(len(stores) - 1, self.share, size=len(rows))
            product_part = np.repeat(rows, per_product)
            store_part = stores[1:][rng.integers(0, len(stores) - 1, size=len(product_part))]
        pairs = np.concatenate([online, np.stack([store_part, product_part], axis=1)])
        pairs = np.unique(pairs, axis=0)
        self._append(rng, pairs[:, 0], pairs[:, 1], popularity, day, initial)

    def _append(self, rng, store, product, popularity, day: int, initial: bool) -> None:
        import numpy as np

        weight = popularity[product]
        carried = np.bincount(
            self.data["store"],
            weights=popularity[self.data["product"]],
            minlength=len(self.stores.store_id) + 1,
        ).astype(float)
        carried += np.bincount(store, weights=weight, minlength=len(carried))
        rate = self._units_per_store[store - 1] * weight / carried[store]
        lead = self.stores.lead_days[store - 1]
        target = np.ceil(rate * (lead + COVER_DAYS)).astype(np.int64) + 2
        reorder = np.ceil(rate * (lead + 1)).astype(np.int64) + 1
        n = len(store)
        if initial:
            stock = reorder + 1 + (rng.random(n) * (target - reorder)).astype(np.int64)
            pending = np.zeros(n, dtype=np.int64)
        else:  # a launch: nothing on hand, the first delivery arrives on the launch day
            stock = np.zeros(n, dtype=np.int64)
            pending = target
        new = {
            "store": store,
            "product": product,
            "stock": stock,
            "reorder": reorder,
            "target": target,
            "lead": lead,
            "pending": pending,
            "due": np.full(n, day, dtype=np.int64),
        }
        for name in FIELDS:
            part = new.get(name, np.zeros(n, dtype=np.int64))
            self.data[name] = np.concatenate([self.data[name], part.astype(np.int64)])
        order = np.lexsort((self.data["product"], self.data["store"]))
        self.data = {name: values[order] for name, values in self.data.items()}

    def drop_products(self, rows) -> None:
        import numpy as np

        keep = ~np.isin(self.data["product"], rows)
        self.data = {name: values[keep] for name, values in self.data.items()}

    # -- one day -----------------------------------------------------------------------------
    def receive(self, day: int) -> None:
        import numpy as np

        d = self.data
        arriving = (d["pending"] > 0) & (d["due"] == day)
        d["opening"] = d["stock"].copy()
        d["received"] = np.where(arriving, d["pending"], 0)
        d["pending"] = np.where(arriving, 0, d["pending"])
        d["stock"] = d["stock"] + d["received"]
        d["sold"] = np.zeros(len(self), dtype=np.int64)

    def pick(self, rng, line_store, popularity):
        """A carried pair for every order line, weighted by product popularity in its store."""
        import numpy as np

        d = self.data
        cumulative = np.cumsum(popularity[d["product"]])
        start = np.searchsorted(d["store"], line_store, side="left")
        stop = np.searchsorted(d["store"], line_store, side="right")
        low = np.where(start > 0, cumulative[np.maximum(start - 1, 0)], 0.0)
        high = cumulative[stop - 1]
        target = low + rng.random(len(line_store)) * (high - low)
        picked = np.searchsorted(cumulative, target, side="right")
        return np.clip(picked, start, stop - 1)

    def sell(self, pair, quantity):
        """Cap each line's quantity by what is left, first come first served; book the sales."""
        import numpy as np

        order = np.argsort(pair, kind="stable")
        sorted_pair, sorted_qty = pair[order], quantity[order]
        running = np.cumsum(sorted_qty)
        group_start = np.searchsorted(sorted_pair, sorted_pair, side="left")
        before_group = np.where(group_start > 0, running[group_start - 1], 0)
        taken_before = running - sorted_qty - before_group
        left = np.maximum(self.data["stock"][sorted_pair] - taken_before, 0)
        allowed = np.empty_like(quantity)
        allowed[order] = np.minimum(sorted_qty, left)
        sold = np.bincount(pair, weights=allowed, minlength=len(self)).astype(np.int64)
        self.data["sold"] = sold
        self.data["stock"] = self.data["stock"] - sold
        return allowed

    def replenish(self, day: int) -> None:
        import numpy as np

        d = self.data
        order_now = (d["stock"] <= d["reorder"]) & (d["pending"] == 0)
        d["pending"] = np.where(order_now, d["target"] - d["stock"], d["pending"])
        d["due"] = np.where(order_now, day + d["lead"], d["due"])

    def table(self, spec, day: int):
        import numpy as np

        d = self.data
        return col.table(
            spec,
            {
                "store_id": col.ints(d["store"]),
                "product_id": col.ints(d["product"] + 1),
                "date": col.dates(np.full(len(self), day, dtype=np.int64)),
                "opening_stock": col.ints(d["opening"]),
                "received": col.ints(d["received"]),
                "units_sold": col.ints(d["sold"]),
                "closing_stock": col.ints(d["stock"]),
                "reorder_point": col.ints(d["reorder"]),
                "on_order": col.ints(d["pending"]),
            },
        )
