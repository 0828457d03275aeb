"""Products: the catalogue, changed once a week (repricing, launches, discontinuations).

Row ``i`` is product_id ``i + 1``. A discontinued product keeps its row with status
'discontinued'; half of them (even product_id) are hard-deleted a week later: their row
leaves the catalogue for good. Prices and costs are int64 cents and cost stays below price.
"""

from __future__ import annotations

from ingen_fab.synthetic import columns as col
from ingen_fab.synthetic import vocab
from ingen_fab.synthetic.columns import NEVER

CHANGE_WEEKDAY = 0  # Monday (datetime.weekday numbering)
WEEKLY_REPRICE_RATE = 0.05
WEEKLY_LAUNCH_RATE = 0.012
WEEKLY_DISCONTINUE_RATE = 0.005
# A discontinued product with an even product_id is purged this many days after its
# discontinuation (a rule on the state, not a draw: the random streams stay as they were).
PURGE_AFTER_DAYS = 7
FIELDS = (
    "category",
    "noun",
    "brand",
    "adjective",
    "price",
    "cost",
    "launched",
    "discontinued",
    "updated",
    "popularity",
)


def _weekday(day: int) -> int:
    return (day + 3) % 7  # 1970-01-01 was a Thursday


class Products:
    def __init__(self):
        import numpy as np

        self.data = {name: np.zeros(0, dtype=np.int64) for name in FIELDS}
        self.data["popularity"] = np.zeros(0, dtype=float)

    def __len__(self) -> int:
        return len(self.data["category"])

    def seed_catalogue(self, rng, count: int, epoch_day: int) -> None:
        import numpy as np

        launched = epoch_day - rng.integers(1, 3 * 365, size=count)
        self._append(rng, count, launched)
        d = self.data
        gone = rng.random(count) < 0.03
        gap = np.maximum(epoch_day - launched, 1)
        d["discontinued"] = np.where(gone, launched + rng.integers(0, gap), NEVER)
        d["updated"] = np.where(gone, d["discontinued"], launched + rng.integers(0, gap))

    def weekly_changes(self, rng, day: int):
        """Apply a Monday's changes; returns (launched rows, discontinued rows)."""
        import numpy as np

        empty = np.zeros(0, dtype=np.int64)
        if _weekday(day) != CHANGE_WEEKDAY:
            return empty, empty
        d = self.data
        active = self.active_index()
        reprice = _pick(rng, active, WEEKLY_REPRICE_RATE)
        factor = rng.uniform(0.85, 1.15, size=len(reprice))
        price = (d["price"][reprice] * factor).astype(np.int64) // 100 * 100 + 99
        d["price"][reprice] = np.maximum(price, d["cost"][reprice] * 11 // 10 + 1)
        d["updated"][reprice] = day
        gone = _pick(rng, active, WEEKLY_DISCONTINUE_RATE)
        d["discontinued"][gone] = day
        d["updated"][gone] = day
        count = rng.poisson(len(self) * WEEKLY_LAUNCH_RATE)
        first = len(self)
        self._append(rng, count, np.full(count, day, dtype=np.int64))
        return np.arange(first, len(self), dtype=np.int64), gone

    def active_index(self):
        import numpy as np

        return np.flatnonzero(self.data["discontinued"] == NEVER)

    def _append(self, rng, count: int, launched) -> None:
        import numpy as np

        category = rng.integers(0, len(vocab.CATEGORIES), size=count)
        nouns = np.array([len(c[3]) for c in vocab.CATEGORIES])
        low = np.array([c[2][0] for c in vocab.CATEGORIES], dtype=float)[category]
        high = np.array([c[2][1] for c in vocab.CATEGORIES], dtype=float)[category]
        dollars = np.exp(rng.uniform(np.log(low), np.log(high)))
        price = dollars.astype(np.int64) * 100 + 99
        cost = (price * rng.uniform(0.45, 0.80, size=count)).astype(np.int64)
        new = {
            "category": category,
            "noun": (rng.random(count) * nouns[category]).astype(np.int64),
            "brand": rng.integers(0, len(vocab.BRANDS), size=count),
            "adjective": rng.integers(0, len(vocab.ADJECTIVES), size=count),
            "price": price,
            "cost": np.maximum(cost, 1),
            "launched": launched,
            "discontinued": np.full(count, NEVER, dtype=np.int64),
            "updated": launched,
            "popularity": rng.lognormal(0.0, 1.0, size=count),
        }
        for name in FIELDS:
            kind = float if name == "popularity" else np.int64
            self.data[name] = np.concatenate([self.data[name], new[name].astype(kind)])

    def purged(self, day: int):
        """Mask of the products hard-deleted on or before ``day``."""
        import numpy as np

        d = self.data
        even = np.arange(1, len(self) + 1) % 2 == 0
        return even & (d["discontinued"] != NEVER) & (d["discontinued"] + PURGE_AFTER_DAYS <= day)

    def table(self, spec, day: int):
        """The catalogue as of ``day``: every product launched and not yet purged."""
        import numpy as np

        kept = ~self.purged(day)
        d = {name: values[kept] for name, values in self.data.items()}
        ids = np.flatnonzero(kept).astype(np.int64) + 1
        nouns = [noun for c in vocab.CATEGORIES for noun in c[3]]
        noun_offset = np.cumsum([0] + [len(c[3]) for c in vocab.CATEGORIES])[:-1]
        gone = d["discontinued"] != NEVER
        return col.table(
            spec,
            {
                "product_id": col.ints(ids),
                "sku": col.join(
                    col.lookup([c[1] for c in vocab.CATEGORIES], d["category"]),
                    "-",
                    col.padded(ids, 6),
                ),
                "name": col.join(
                    col.lookup(vocab.BRANDS, d["brand"]),
                    " ",
                    col.lookup(vocab.ADJECTIVES, d["adjective"]),
                    " ",
                    col.lookup(nouns, noun_offset[d["category"]] + d["noun"]),
                ),
                "category": col.lookup([c[0] for c in vocab.CATEGORIES], d["category"]),
                "brand": col.lookup(vocab.BRANDS, d["brand"]),
                "price": col.money(d["price"]),
                "cost": col.money(d["cost"]),
                "status": col.lookup(("active", "discontinued"), gone.astype(np.int64)),
                "launch_date": col.dates(d["launched"]),
                "discontinued_date": col.dates(d["discontinued"]),
                "updated_date": col.dates(d["updated"]),
            },
        )


def _pick(rng, population, rate: float):
    import numpy as np

    count = rng.binomial(len(population), rate) if len(population) else 0
    return np.sort(rng.choice(population, size=count, replace=False))
