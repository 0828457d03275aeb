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
# The column types of each table, as the dataset declares them (`ingen_fab package
# synthetic-data list`): a value that does not fit its type is a rejected row, never a
# column silently turned to text.
SCHEMAS = {
    "customers": (
        '{"customer_id":"bigint","first_name":"string","last_name":"string",'
        '"email":"string","phone":"string","street_address":"string","city":"string",'
        '"state":"string","postcode":"string","country":"string",'
        '"loyalty_tier":"string","home_store_id":"bigint","registration_date":"date",'
        '"status":"string","churn_date":"date","updated_date":"date"}'
    ),
    "products": (
        '{"product_id":"bigint","sku":"string","name":"string","category":"string",'
        '"brand":"string","price":"decimal(12,2)","cost":"decimal(12,2)",'
        '"status":"string","launch_date":"date","discontinued_date":"date",'
        '"updated_date":"date"}'
    ),
    "stores": (
        '{"store_id":"bigint","store_code":"string","store_name":"string",'
        '"store_type":"string","street_address":"string","city":"string",'
        '"state":"string","postcode":"string","floor_area_sqm":"bigint",'
        '"open_date":"date","status":"string"}'
    ),
    "orders": (
        '{"order_id":"bigint","customer_id":"bigint","store_id":"bigint",'
        '"order_date":"date","order_timestamp":"timestamp","order_status":"string",'
        '"channel":"string","payment_method":"string","line_count":"bigint",'
        '"order_total":"decimal(12,2)","currency":"string"}'
    ),
    "order_items": (
        '{"order_item_id":"bigint","order_id":"bigint","line_number":"bigint",'
        '"product_id":"bigint","quantity":"bigint","unit_price":"decimal(12,2)",'
        '"line_total":"decimal(12,2)"}'
    ),
    "inventory": (
        '{"store_id":"bigint","product_id":"bigint","date":"date",'
        '"opening_stock":"bigint","received":"bigint","units_sold":"bigint",'
        '"closing_stock":"bigint","reorder_point":"bigint","on_order":"bigint"}'
    ),
}
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
        custom_schema_json=SCHEMAS[table],
        skip_existing_dates=skip_existing,
        late_arrival_days=3 if skip_existing else None,  # a late second file of a loaded date
        execution_group=group,
        import_sequence_order=sequence,
    )
    for config_id, name, table, write_mode, merge_keys, skip_existing, group, sequence in TABLES
]
upsert_rows(spark, CONFIG_TABLE, rows)
print(f"{len(rows)} sample configs upserted")
