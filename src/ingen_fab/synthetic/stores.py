"""Stores: one online store (id 1) and physical stores spread over every state; static."""

from __future__ import annotations

from dataclasses import dataclass

from ingen_fab.synthetic import columns as col
from ingen_fab.synthetic import vocab

ONLINE_STORE_ID = 1
CAPITALS = ("Sydney", "Melbourne", "Brisbane", "Adelaide", "Perth", "Hobart", "Canberra", "Darwin")


@dataclass
class Stores:
    store_id: object  # int64 ids, 1 = online
    locality: object  # index into vocab.LOCALITIES
    street_no: object
    street: object
    street_type: object
    floor_area: object  # 0 for the online store
    opened: object  # day numbers
    lead_days: object  # replenishment lead time

    @classmethod
    def create(cls, rng, count: int, epoch_day: int) -> Stores:
        import numpy as np

        names = [name for name, _, _ in vocab.LOCALITIES]
        capitals = np.array([names.index(c) for c in CAPITALS])
        weights = np.array(vocab.LOCALITY_WEIGHTS, dtype=float)
        physical = count - 1
        extra = rng.choice(
            len(names), size=max(physical - len(capitals), 0), p=weights / weights.sum()
        )
        locality = np.concatenate([[names.index("Melbourne")], capitals, extra])[:count]
        area = rng.integers(400, 3000, size=count)
        area[0] = 0
        lead = rng.integers(2, 6, size=count)
        lead[0] = 1
        return cls(
            store_id=np.arange(1, count + 1, dtype=np.int64),
            locality=locality.astype(np.int64),
            street_no=rng.integers(1, 400, size=count),
            street=rng.integers(0, len(vocab.STREET_NAMES), size=count),
            street_type=rng.integers(0, len(vocab.STREET_TYPES), size=count),
            floor_area=area,
            opened=epoch_day - rng.integers(30, 15 * 365, size=count),
            lead_days=lead,
        )

    def physical_state_lookup(self):
        """(state index per locality, stores sorted by state, start offset per state)."""
        import numpy as np

        states = sorted({s for _, s, _ in vocab.LOCALITIES})
        locality_state = np.array([states.index(s) for _, s, _ in vocab.LOCALITIES])
        physical = self.store_id[1:]
        store_state = locality_state[self.locality[1:]]
        order = np.argsort(store_state, kind="stable")
        offsets = np.searchsorted(store_state[order], np.arange(len(states) + 1))
        return locality_state, physical[order], offsets

    def table(self, spec):
        import numpy as np

        physical = self.floor_area > 0
        place = vocab.LOCALITIES
        return col.table(
            spec,
            {
                "store_id": col.ints(self.store_id),
                "store_code": col.join("ST", col.padded(self.store_id, 4)),
                "store_name": _store_names(self),
                "store_type": col.lookup(("online", "physical"), physical.astype(np.int64)),
                "street_address": col.join(
                    col.text(self.street_no),
                    " ",
                    col.lookup(vocab.STREET_NAMES, self.street),
                    " ",
                    col.lookup(vocab.STREET_TYPES, self.street_type),
                ),
                "city": col.lookup([name for name, _, _ in place], self.locality),
                "state": col.lookup([state for _, state, _ in place], self.locality),
                "postcode": col.lookup([code for _, _, code in place], self.locality),
                "floor_area_sqm": col.ints(self.floor_area, null_mask=~physical),
                "open_date": col.dates(self.opened),
                "status": col.lookup(("open",), np.zeros(len(self.store_id), dtype=np.int64)),
            },
        )


def _store_names(stores: Stores):
    import pyarrow.compute as pc

    names = [name for name, _, _ in vocab.LOCALITIES]
    physical = col.join(col.lookup(names, stores.locality), " Store ", col.text(stores.store_id))
    online = col.lookup(("Online Store",), stores.store_id * 0)
    return pc.if_else(stores.floor_area > 0, physical, online)
