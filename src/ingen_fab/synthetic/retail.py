"""The retail world of ``retail_oltp_incremental``, advanced one day at a time.

The world is a pure function of (seed, scale, epoch, holidays): it is built at the epoch and
every day draws from its own random stream keyed by (seed, day number, purpose), so replaying
the days before a requested range reproduces exactly the state a longer run would have had.
"""

from __future__ import annotations

import datetime as dt

from ingen_fab.synthetic import calendar, orders, vocab
from ingen_fab.synthetic.customers import Customers
from ingen_fab.synthetic.datasets import RETAIL_DATASET, Scale
from ingen_fab.synthetic.inventory import Stock
from ingen_fab.synthetic.products import Products
from ingen_fab.synthetic.stores import Stores

_UNIX_EPOCH = dt.date(1970, 1, 1)
_STREAMS = {"world": 1, "customers": 2, "products": 3, "orders": 4, "stock": 5}


def day_number(day: dt.date) -> int:
    return (day - _UNIX_EPOCH).days


class RetailWorld:
    def __init__(self, seed: int, scale: Scale, epoch: dt.date, holidays: dict[str, float]):
        import numpy as np

        self.seed, self.scale, self.holidays = seed, scale, holidays
        self.epoch_day = day_number(epoch)
        self.day = self.epoch_day - 1  # the last simulated day
        rng = self._rng("world", 0)
        self.stores = Stores.create(rng, scale.stores, self.epoch_day)
        self.customers = Customers(self.stores, vocab.LOCALITY_WEIGHTS)
        self.customers.seed_population(rng, scale.customers, self.epoch_day)
        self.products = Products()
        self.products.seed_catalogue(rng, scale.products, self.epoch_day)
        demand = np.bincount(
            self.customers.data["home_store"] - 1,
            weights=self.customers.data["propensity"],
            minlength=scale.stores,
        )
        online = vocab.CHANNEL_SHARES[1] + vocab.CHANNEL_SHARES[2]
        demand = demand / demand.sum() * (1.0 - online)
        demand[0] = online
        daily_units = scale.orders_per_day * orders.MEAN_LINES * orders.MEAN_QUANTITY
        self.stock = Stock(self.stores, scale.assortment_share, daily_units, demand)
        self.stock.add_products(
            rng,
            self.products.active_index(),
            self.products.data["popularity"],
            self.epoch_day,
            initial=True,
        )
        self.next_ids = (1, 1)
        self.today: orders.DayOrders | None = None

    def _rng(self, purpose: str, day: int):
        import numpy as np

        return np.random.default_rng([self.seed, _STREAMS[purpose], day, 0x5EED])

    def expected_orders(self, day: dt.date) -> float:
        return self.scale.orders_per_day * calendar.demand_factor(day, self.holidays)

    def advance(self) -> dt.date:
        """Simulate the next day and return its date."""
        self.day += 1
        day = self.day
        date = _UNIX_EPOCH + dt.timedelta(days=day)
        self.customers.start_day(self._rng("customers", day), day, self.scale.customers)
        launched, gone = self.products.weekly_changes(self._rng("products", day), day)
        self.stock.drop_products(gone)
        if len(launched):
            self.stock.add_products(
                self._rng("stock", day), launched, self.products.data["popularity"], day
            )
        self.stock.receive(day)
        self.today = orders.draw_day(
            self._rng("orders", day),
            day,
            self.expected_orders(date),
            self.customers,
            self.products,
            self.stock,
            self.next_ids,
        )
        self.stock.replenish(day)
        self.customers.add_spend(self.today.customer, self.today.total)
        self.next_ids = (
            self.next_ids[0] + len(self.today.order_id),
            self.next_ids[1] + len(self.today.item_id),
        )
        return date

    def tables(self) -> dict:
        """Arrow tables of the last simulated day, keyed by table name."""
        spec = RETAIL_DATASET.table
        return {
            "customers": self.customers.table(spec("customers")),
            "products": self.products.table(spec("products"), self.day),
            "stores": self.stores.table(spec("stores")),
            "orders": orders.orders_table(spec("orders"), self.today, self.day),
            "order_items": orders.items_table(spec("order_items"), self.today),
            "inventory": self.stock.table(spec("inventory"), self.day),
        }
