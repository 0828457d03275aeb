"""The dataset registry: names, scales and the column contract of every table.

Columns are declared once here as (name, type) pairs; the generator builds its Arrow tables in
this order, the writer takes the header from it, ``list`` prints it and ``validate`` reads the
files back with these types.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingen_fab.errors import SyntheticDataError

GENERATOR_VERSION = "1"
RETAIL = "retail_oltp_incremental"
DEFAULT_EPOCH = "2024-01-01"
DEFAULT_SEED = 42
DEFAULT_SCALE = "small"
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Scale:
    """Sizes of one scale: the world at the epoch and the daily order volume."""

    name: str
    customers: int
    products: int
    stores: int
    orders_per_day: int
    assortment_share: float  # share of the catalogue each physical store stocks


@dataclass(frozen=True)
class Table:
    name: str
    kind: str  # snapshot | incremental | daily_snapshot
    keys: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    tables: tuple[Table, ...]
    scales: tuple[Scale, ...]

    def scale(self, name: str) -> Scale:
        for scale in self.scales:
            if scale.name == name:
                return scale
        known = ", ".join(s.name for s in self.scales)
        raise SyntheticDataError(f"unknown scale '{name}' for {self.name}: choose one of {known}")

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


CUSTOMERS = Table(
    "customers",
    "snapshot",
    ("customer_id",),
    (
        ("customer_id", "int64"),
        ("first_name", "string"),
        ("last_name", "string"),
        ("email", "string"),
        ("phone", "string"),
        ("street_address", "string"),
        ("city", "string"),
        ("state", "string"),
        ("postcode", "string"),
        ("country", "string"),
        ("loyalty_tier", "string"),
        ("home_store_id", "int64"),
        ("registration_date", "date"),
        ("status", "string"),
        ("churn_date", "date"),
        ("updated_date", "date"),
    ),
)
PRODUCTS = Table(
    "products",
    "snapshot",
    ("product_id",),
    (
        ("product_id", "int64"),
        ("sku", "string"),
        ("name", "string"),
        ("category", "string"),
        ("brand", "string"),
        ("price", "decimal(12,2)"),
        ("cost", "decimal(12,2)"),
        ("status", "string"),
        ("launch_date", "date"),
        ("discontinued_date", "date"),
        ("updated_date", "date"),
    ),
)
STORES = Table(
    "stores",
    "snapshot",
    ("store_id",),
    (
        ("store_id", "int64"),
        ("store_code", "string"),
        ("store_name", "string"),
        ("store_type", "string"),
        ("street_address", "string"),
        ("city", "string"),
        ("state", "string"),
        ("postcode", "string"),
        ("floor_area_sqm", "int64"),
        ("open_date", "date"),
        ("status", "string"),
    ),
)
ORDERS = Table(
    "orders",
    "incremental",
    (),
    (
        ("order_id", "int64"),
        ("customer_id", "int64"),
        ("store_id", "int64"),
        ("order_date", "date"),
        ("order_timestamp", "timestamp"),
        ("order_status", "string"),
        ("channel", "string"),
        ("payment_method", "string"),
        ("line_count", "int64"),
        ("order_total", "decimal(12,2)"),
        ("currency", "string"),
    ),
)
ORDER_ITEMS = Table(
    "order_items",
    "incremental",
    (),
    (
        ("order_item_id", "int64"),
        ("order_id", "int64"),
        ("line_number", "int64"),
        ("product_id", "int64"),
        ("quantity", "int64"),
        ("unit_price", "decimal(12,2)"),
        ("line_total", "decimal(12,2)"),
    ),
)
INVENTORY = Table(
    "inventory",
    "daily_snapshot",
    ("store_id", "product_id", "date"),
    (
        ("store_id", "int64"),
        ("product_id", "int64"),
        ("date", "date"),
        ("opening_stock", "int64"),
        ("received", "int64"),
        ("units_sold", "int64"),
        ("closing_stock", "int64"),
        ("reorder_point", "int64"),
        ("on_order", "int64"),
    ),
)

RETAIL_DATASET = Dataset(
    name=RETAIL,
    description="Retail OLTP world: snapshot masters, daily orders and a simulated stock ledger",
    tables=(CUSTOMERS, PRODUCTS, STORES, ORDERS, ORDER_ITEMS, INVENTORY),
    scales=(
        Scale("small", 10_000, 1_000, 20, 1_000, 1.0),
        Scale("medium", 100_000, 10_000, 200, 10_000, 0.1),
        Scale("large", 1_000_000, 100_000, 2_000, 100_000, 0.01),
    ),
)
DATASETS = {RETAIL: RETAIL_DATASET}


def get_dataset(name: str) -> Dataset:
    """The registered dataset called ``name``, or a one-line error listing the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise SyntheticDataError(f"unknown dataset '{name}': choose one of {known}") from None


def arrow_type(declared: str):
    """The pyarrow type of a declared column type."""
    import pyarrow as pa

    if declared.startswith("decimal("):
        precision, scale = declared[len("decimal(") : -1].split(",")
        return pa.decimal128(int(precision), int(scale))
    return {
        "int64": pa.int64(),
        "string": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("s"),
    }[declared]


def arrow_schema(table: Table):
    import pyarrow as pa

    return pa.schema([(name, arrow_type(kind)) for name, kind in table.columns])
