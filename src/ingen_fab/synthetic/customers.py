"""Customers: a growing, churning population held as numpy columns, one row per customer.

Row ``i`` is customer_id ``i + 1``. Rows are only ever appended, so the snapshot of a later
date always contains every customer of an earlier one; churned customers keep their row with
status 'churned' and their churn date.
"""

from __future__ import annotations

from ingen_fab.synthetic import columns as col
from ingen_fab.synthetic import vocab
from ingen_fab.synthetic.columns import NEVER

DAILY_REGISTRATION_RATE = 0.0025  # new customers a day, as a share of the scale's base
DAILY_CHURN_RATE = 0.0004
DAILY_MOVE_RATE = 0.0008
DAILY_EMAIL_CHANGE_RATE = 0.0004
EMAIL_STYLES = 3  # first.last<id>, <f><last><id>, last_first<id>

FIELDS = (
    "first",
    "last",
    "style",
    "domain",
    "locality",
    "street_no",
    "street",
    "street_type",
    "phone",
    "home_store",
    "registered",
    "churned",
    "updated",
    "spend",
    "tier",
    "propensity",
)


class Customers:
    def __init__(self, stores, locality_weights):
        import numpy as np

        self._states, self._stores_by_state, self._state_offsets = stores.physical_state_lookup()
        weights = np.asarray(locality_weights, dtype=float)
        self._locality_p = weights / weights.sum()
        self.data = {name: np.zeros(0, dtype=np.int64) for name in FIELDS}
        self.data["propensity"] = np.zeros(0, dtype=float)

    def __len__(self) -> int:
        return len(self.data["first"])

    # -- lifecycle ---------------------------------------------------------------------------
    def seed_population(self, rng, count: int, epoch_day: int) -> None:
        """The customers who registered before the epoch (a few already churned)."""
        import numpy as np

        registered = epoch_day - rng.integers(1, 5 * 365, size=count)
        self._append(rng, count, registered)
        d = self.data
        churned = rng.random(count) < 0.05
        gap = np.maximum(epoch_day - registered, 1)
        d["churned"] = np.where(churned, registered + rng.integers(0, gap), NEVER)
        d["updated"] = np.where(churned, d["churned"], registered + rng.integers(0, gap))
        d["spend"] = rng.lognormal(10.5, 1.3, size=count).astype(np.int64)
        d["tier"] = np.searchsorted(vocab.LOYALTY_THRESHOLDS, d["spend"], side="right")

    def start_day(self, rng, day: int, base: int) -> None:
        """Tier changes from yesterday's spend, churn, moves, email changes, registrations."""
        import numpy as np

        d = self.data
        tier = np.searchsorted(vocab.LOYALTY_THRESHOLDS, d["spend"], side="right")
        changed = tier != d["tier"]
        d["tier"] = tier
        d["updated"][changed] = day
        active = self.active_index()
        churn = self._pick(rng, active, DAILY_CHURN_RATE)
        d["churned"][churn] = day
        d["updated"][churn] = day
        active = self.active_index()
        move = self._pick(rng, active, DAILY_MOVE_RATE)
        d["locality"][move] = self._localities(rng, len(move))
        d["street_no"][move] = rng.integers(1, 400, size=len(move))
        d["street"][move] = rng.integers(0, len(vocab.STREET_NAMES), size=len(move))
        d["street_type"][move] = rng.integers(0, len(vocab.STREET_TYPES), size=len(move))
        email = self._pick(rng, active, DAILY_EMAIL_CHANGE_RATE)
        domains = len(vocab.EMAIL_DOMAINS)
        shift = rng.integers(1, domains, size=len(email))
        d["domain"][email] = (d["domain"][email] + shift) % domains
        d["style"][email] = (d["style"][email] + 1) % EMAIL_STYLES
        d["updated"][np.concatenate([move, email])] = day
        count = rng.poisson(base * DAILY_REGISTRATION_RATE)
        self._append(rng, count, np.full(count, day, dtype=np.int64))

    def add_spend(self, index, cents) -> None:
        import numpy as np

        self.data["spend"] += np.bincount(index, weights=cents, minlength=len(self)).astype(
            np.int64
        )

    def active_index(self):
        import numpy as np

        return np.flatnonzero(self.data["churned"] == NEVER)

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _pick(rng, population, rate: float):
        import numpy as np

        count = rng.binomial(len(population), rate) if len(population) else 0
        return np.sort(rng.choice(population, size=count, replace=False))

    def _localities(self, rng, count: int):
        return rng.choice(len(self._locality_p), size=count, p=self._locality_p)

    def _append(self, rng, count: int, registered) -> None:
        import numpy as np

        locality = self._localities(rng, count)
        state = self._states[locality]
        start, stop = self._state_offsets[state], self._state_offsets[state + 1]
        home = self._stores_by_state[start + (rng.random(count) * (stop - start)).astype(int)]
        new = {
            "first": rng.integers(0, len(vocab.FIRST_NAMES), size=count),
            "last": rng.integers(0, len(vocab.LAST_NAMES), size=count),
            "style": rng.integers(0, EMAIL_STYLES, size=count),
            "domain": rng.integers(0, len(vocab.EMAIL_DOMAINS), size=count),
            "locality": locality,
            "street_no": rng.integers(1, 400, size=count),
            "street": rng.integers(0, len(vocab.STREET_NAMES), size=count),
            "street_type": rng.integers(0, len(vocab.STREET_TYPES), size=count),
            "phone": rng.integers(10_000_000, 100_000_000, size=count),
            "home_store": home,
            "registered": registered,
            "churned": np.full(count, NEVER, dtype=np.int64),
            "updated": registered,
            "spend": np.zeros(count, dtype=np.int64),
            "tier": np.zeros(count, dtype=np.int64),
            "propensity": rng.gamma(0.8, 1.25, size=count),
        }
        for name in FIELDS:
            kind = float if name == "propensity" else np.int64
            self.data[name] = np.concatenate([self.data[name], new[name].astype(kind)])

    # -- output ------------------------------------------------------------------------------
    def table(self, spec):
        import numpy as np

        d = self.data
        ids = np.arange(1, len(self) + 1, dtype=np.int64)
        first = col.lookup([n.lower() for n in vocab.FIRST_NAMES], d["first"])
        last = col.lookup([n.lower() for n in vocab.LAST_NAMES], d["last"])
        ident = col.text(ids)
        local = _email_local(d["style"], first, last, ident)
        phone = col.text(d["phone"])
        places = vocab.LOCALITIES
        churned = d["churned"] != NEVER
        return col.table(
            spec,
            {
                "customer_id": col.ints(ids),
                "first_name": col.lookup(vocab.FIRST_NAMES, d["first"]),
                "last_name": col.lookup(vocab.LAST_NAMES, d["last"]),
                "email": col.join(local, "@", col.lookup(vocab.EMAIL_DOMAINS, d["domain"])),
                "phone": col.join(
                    "04", _slice(phone, 0, 2), " ", _slice(phone, 2, 5), " ", _slice(phone, 5, 8)
                ),
                "street_address": col.join(
                    col.text(d["street_no"]),
                    " ",
                    col.lookup(vocab.STREET_NAMES, d["street"]),
                    " ",
                    col.lookup(vocab.STREET_TYPES, d["street_type"]),
                ),
                "city": col.lookup([p[0] for p in places], d["locality"]),
                "state": col.lookup([p[1] for p in places], d["locality"]),
                "postcode": col.lookup([p[2] for p in places], d["locality"]),
                "country": col.lookup((vocab.COUNTRY,), np.zeros(len(self), dtype=np.int64)),
                "loyalty_tier": col.lookup(vocab.LOYALTY_TIERS, d["tier"]),
                "home_store_id": col.ints(d["home_store"]),
                "registration_date": col.dates(d["registered"]),
                "status": col.lookup(("active", "churned"), churned.astype(np.int64)),
                "churn_date": col.dates(d["churned"]),
                "updated_date": col.dates(d["updated"]),
            },
        )


def _slice(strings, start: int, stop: int):
    import pyarrow.compute as pc

    return pc.utf8_slice_codeunits(strings, start, stop)


def _email_local(style, first, last, ident):
    import pyarrow as pa
    import pyarrow.compute as pc

    variants = (
        col.join(first, ".", last, ident),
        col.join(_slice(first, 0, 1), last, ident),
        col.join(last, "_", first, ident),
    )
    return pc.choose(pa.array(style, type=pa.int8()), *variants)
