-- Sample configs for importing the incremental synthetic retail dataset (see
-- docs: incremental_synthetic_data_import_integration). Upserts by config_id, so re-running
-- never duplicates a row; created_date is kept on update.
MERGE INTO config.config_flat_file_ingestion AS tgt
USING (
    SELECT s.config_id, s.config_name,
           'Files/synthetic_data/retail_oltp_incremental' AS source_file_path,
           'csv' AS source_file_format, ',' AS file_delimiter, CAST(1 AS bit) AS has_header,
           'utf-8' AS encoding, s.custom_schema_json, 'bronze' AS target_schema_name,
           s.target_table_name,
           s.write_mode, s.merge_keys, 'date_partitioned' AS import_pattern,
           'YYYY/MM/DD' AS date_partition_format, s.file_discovery_pattern,
           CAST(1 AS bit) AS batch_import_enabled,
           CAST('2024-01-01' AS date) AS date_range_start,
           CAST('2024-01-30' AS date) AS date_range_end,
           s.skip_existing_dates,
           CASE WHEN s.skip_existing_dates = 1 THEN 3 END AS late_arrival_days,
           'retail_oltp' AS table_relationship_group,
           s.import_sequence_order, s.execution_group,
           'log' AS error_handling_strategy, 'Y' AS active_yn
    FROM (
        SELECT 'retail_customers_incremental' AS config_id,
               'Retail customers (daily snapshots)' AS config_name,
               'customers' AS target_table_name, 'merge' AS write_mode,
               'customer_id' AS merge_keys,
               '**/customers/*.csv' AS file_discovery_pattern,
               CAST(1 AS bit) AS skip_existing_dates,
               1 AS execution_group, 1 AS import_sequence_order,
               CAST(CONCAT('{"customer_id":"bigint","first_name":"string","last_name":"string",',
               '"email":"string","phone":"string","street_address":"string",',
               '"city":"string","state":"string","postcode":"string",',
               '"country":"string","loyalty_tier":"string",',
               '"home_store_id":"bigint","registration_date":"date",',
               '"status":"string","churn_date":"date","updated_date":"date"}')
                   AS varchar(4000)) AS custom_schema_json
        UNION ALL
        SELECT 'retail_products_incremental', 'Retail products (daily snapshots)',
               'products', 'merge', 'product_id',
               '**/products/*.csv', CAST(1 AS bit), 1, 2,
               CONCAT('{"product_id":"bigint","sku":"string","name":"string",',
               '"category":"string","brand":"string","price":"decimal(12,2)",',
               '"cost":"decimal(12,2)","status":"string","launch_date":"date",',
               '"discontinued_date":"date","updated_date":"date"}')
        UNION ALL
        SELECT 'retail_stores_incremental', 'Retail stores (daily snapshots)',
               'stores', 'merge', 'store_id',
               '**/stores/*.csv', CAST(1 AS bit), 1, 3,
               CONCAT('{"store_id":"bigint","store_code":"string","store_name":"string",',
               '"store_type":"string","street_address":"string","city":"string",',
               '"state":"string","postcode":"string","floor_area_sqm":"bigint",',
               '"open_date":"date","status":"string"}')
        UNION ALL
        SELECT 'retail_orders_incremental', 'Retail orders (daily new rows)',
               'orders', 'append', CAST(NULL AS varchar(500)),
               '**/orders/*.csv', CAST(0 AS bit), 2, 4,
               CONCAT('{"order_id":"bigint","customer_id":"bigint","store_id":"bigint",',
               '"order_date":"date","order_timestamp":"timestamp",',
               '"order_status":"string","channel":"string",',
               '"payment_method":"string","line_count":"bigint",',
               '"order_total":"decimal(12,2)","currency":"string"}')
        UNION ALL
        SELECT 'retail_order_items_incremental', 'Retail order items (daily new rows)',
               'order_items', 'append', CAST(NULL AS varchar(500)),
               '**/order_items/*.csv', CAST(0 AS bit), 2, 5,
               CONCAT('{"order_item_id":"bigint","order_id":"bigint",',
               '"line_number":"bigint","product_id":"bigint","quantity":"bigint",',
               '"unit_price":"decimal(12,2)","line_total":"decimal(12,2)"}')
        UNION ALL
        SELECT 'retail_inventory_incremental', 'Retail inventory (daily snapshots)',
               'inventory', 'merge', 'store_id,product_id,date',
               '**/inventory/*.csv', CAST(1 AS bit), 3, 6,
               CONCAT('{"store_id":"bigint","product_id":"bigint","date":"date",',
               '"opening_stock":"bigint","received":"bigint","units_sold":"bigint",',
               '"closing_stock":"bigint","reorder_point":"bigint",',
               '"on_order":"bigint"}')
    ) AS s
) AS src
ON tgt.config_id = src.config_id
WHEN MATCHED THEN UPDATE SET
    config_name = src.config_name,
    source_file_path = src.source_file_path,
    source_file_format = src.source_file_format,
    file_delimiter = src.file_delimiter,
    has_header = src.has_header,
    encoding = src.encoding,
    custom_schema_json = src.custom_schema_json,
    target_schema_name = src.target_schema_name,
    target_table_name = src.target_table_name,
    write_mode = src.write_mode,
    merge_keys = src.merge_keys,
    import_pattern = src.import_pattern,
    date_partition_format = src.date_partition_format,
    file_discovery_pattern = src.file_discovery_pattern,
    batch_import_enabled = src.batch_import_enabled,
    date_range_start = src.date_range_start,
    date_range_end = src.date_range_end,
    skip_existing_dates = src.skip_existing_dates,
    late_arrival_days = src.late_arrival_days,
    table_relationship_group = src.table_relationship_group,
    import_sequence_order = src.import_sequence_order,
    execution_group = src.execution_group,
    error_handling_strategy = src.error_handling_strategy,
    active_yn = src.active_yn,
    modified_date = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT (
    config_id, config_name, source_file_path, source_file_format, file_delimiter, has_header,
    encoding, custom_schema_json, target_schema_name, target_table_name, write_mode,
    merge_keys, import_pattern, date_partition_format, file_discovery_pattern,
    batch_import_enabled, date_range_start, date_range_end, skip_existing_dates,
    late_arrival_days, table_relationship_group, import_sequence_order, execution_group,
    error_handling_strategy, active_yn, created_date, modified_date
) VALUES (
    src.config_id, src.config_name, src.source_file_path, src.source_file_format,
    src.file_delimiter, src.has_header, src.encoding, src.custom_schema_json,
    src.target_schema_name,
    src.target_table_name, src.write_mode, src.merge_keys, src.import_pattern,
    src.date_partition_format, src.file_discovery_pattern, src.batch_import_enabled,
    src.date_range_start, src.date_range_end, src.skip_existing_dates,
    src.late_arrival_days, src.table_relationship_group, src.import_sequence_order, src.execution_group,
    src.error_handling_strategy, src.active_yn, SYSUTCDATETIME(), SYSUTCDATETIME()
);
