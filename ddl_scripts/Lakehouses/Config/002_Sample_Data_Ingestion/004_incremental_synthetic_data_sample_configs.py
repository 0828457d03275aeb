# Sample configs importing the retail_oltp_incremental synthetic dataset (see the spec
# "Incremental Synthetic Data Import Integration"). Upserted by config_id: re-running never
# duplicates rows.
import datetime

from ingen_fab_runtime.schema import CONFIG_TABLE
from ingen_fab_runtime.tables import upsert_rows

SOURCE = "Files/synthetic_data/retail_oltp_incremental"
COMMON = dict(
    source_file_path=SOURCE,
    source_file_format="csv",
    file_delimiter=",",
    has_header=True,
    encoding="utf-8",
    custom_schema_json=None,
    target_schema_name="bronze",
    import_pattern="date_partitioned",
    date_partition_format="YYYY/MM/DD",
    batch_import_enabled=True,
    date_range_start=datetime.date(2024, 1, 1),
    date_range_end=datetime.date(2024, 1, 30),
    table_relationship_group="retail_oltp",
    error_handling_strategy="log",
    active_yn="Y",
)
TABLES = [
    # config_id, name, table, write_mode, merge_keys, skip_existing_dates, group, sequence
    ("retail_customers_incremental", "Retail customers (daily snapshots)", "customers",
     "merge", "customer_id", True, 1, 1),
    ("retail_products_incremental", "Retail products (daily snapshots)", "products",
     "merge", "product_id", True, 1, 2),
    ("retail_stores_incremental", "Retail stores (daily snapshots)", "stores",
     "merge", "store_id", True, 1, 3),
    ("retail_orders_incremental", "Retail orders (daily new rows)", "orders",
     "append", None, False, 2, 4),
    ("retail_order_items_incremental", "Retail order items (daily new rows)", "order_items",
     "append", None, False, 2, 5),
    ("retail_inventory_incremental", "Retail inventory (daily snapshots)", "inventory",
     "merge", "store_id,product_id,date", True, 3, 6),
]
rows = [
    dict(
        COMMON,
        config_id=config_id,
        config_name=name,
        target_table_name=table,
        write_mode=write_mode,
        merge_keys=merge_keys,
        file_discovery_pattern=f"**/{table}/*.csv",
        skip_existing_dates=skip_existing,
        execution_group=group,
        import_sequence_order=sequence,
    )
    for config_id, name, table, write_mode, merge_keys, skip_existing, group, sequence in TABLES
]
upsert_rows(spark, CONFIG_TABLE, rows)
print(f"{len(rows)} sample configs upserted")
