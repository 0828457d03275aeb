# Sample configs keeping history of the retail_oltp_incremental dataset (execution group 4,
# after the spec's three): products' daily snapshots as scd2 history, and the customers change
# feed (generate-series ... --changes feed) applied with cdc. Upserted by config_id; inactive
# until `UPDATE config_flat_file_ingestion SET active_yn = 'Y' WHERE execution_group = 4`.
import datetime

from ingen_fab_runtime.schema import CONFIG_TABLE
from ingen_fab_runtime.tables import upsert_rows

COMMON = dict(
    source_file_path="Files/synthetic_data/retail_oltp_incremental",
    source_file_format="csv",
    file_delimiter=",",
    has_header=True,
    encoding="utf-8",
    target_schema_name="bronze",
    merge_keys=None,
    import_pattern="date_partitioned",
    date_partition_format="YYYY/MM/DD",
    batch_import_enabled=True,
    date_range_start=datetime.date(2024, 1, 1),
    date_range_end=datetime.date(2024, 1, 30),
    skip_existing_dates=False,
    table_relationship_group="retail_history",
    execution_group=4,
    error_handling_strategy="log",
    active_yn="N",  # off until activated: the spec's flow (groups 1-3, then verify) is unchanged
)
rows = [
    dict(
        COMMON,
        config_id="retail_products_history",
        config_name="Retail products (history of the daily snapshots)",
        target_table_name="products_history",
        write_mode="scd2",
        merge_keys="product_id",
        snapshot_deletes="close",  # every day's file holds every product
        file_discovery_pattern="**/products/*.csv",
        import_sequence_order=7,
    ),
    dict(
        COMMON,
        config_id="retail_customers_changes",
        config_name="Retail customers (change feed applied)",
        target_table_name="customers_current",
        write_mode="cdc",
        merge_keys="customer_id",
        # postcodes and phone numbers keep their leading zeros
        custom_schema_json='{"postcode": "string", "phone": "string"}',
        file_discovery_pattern="**/customers_changes/*.csv",
        import_sequence_order=8,
    ),
]
upsert_rows(spark, CONFIG_TABLE, rows)
print(f"{len(rows)} history sample configs upserted")
