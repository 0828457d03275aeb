-- Sample configs keeping history of the incremental synthetic retail dataset (execution
-- group 4, after the spec's three): products' daily snapshots as scd2 history, and the
-- customers change feed (generate-series ... --changes feed) applied with cdc. Upserts by
-- config_id, so re-running never duplicates a row; created_date is kept on update.
MERGE INTO config.config_flat_file_ingestion AS tgt
USING (
    SELECT s.config_id, s.config_name,
           'Files/synthetic_data/retail_oltp_incremental' AS source_file_path,
           'csv' AS source_file_format, ',' AS file_delimiter, CAST(1 AS bit) AS has_header,
           'utf-8' AS encoding, s.custom_schema_json, 'bronze' AS target_schema_name,
           s.target_table_name, s.write_mode, s.merge_keys, s.snapshot_deletes,
           'date_partitioned' AS import_pattern, 'YYYY/MM/DD' AS date_partition_format,
           s.file_discovery_pattern, CAST(1 AS bit) AS batch_import_enabled,
           CAST('2024-01-01' AS date) AS date_range_start,
           CAST('2024-01-30' AS date) AS date_range_end,
           CAST(0 AS bit) AS skip_existing_dates, 'retail_history' AS table_relationship_group,
           s.import_sequence_order, 4 AS execution_group,
           'log' AS error_handling_strategy, 'N' AS active_yn
    FROM (
        SELECT 'retail_products_history' AS config_id,
               'Retail products (history of the daily snapshots)' AS config_name,
               'products_history' AS target_table_name, 'scd2' AS write_mode,
               'product_id' AS merge_keys, 'close' AS snapshot_deletes,
               CAST(NULL AS varchar(4000)) AS custom_schema_json,
               '**/products/*.csv' AS file_discovery_pattern, 7 AS import_sequence_order
        UNION ALL
        SELECT 'retail_customers_changes', 'Retail customers (change feed applied)',
               'customers_current', 'cdc', 'customer_id', CAST(NULL AS varchar(10)),
               '{"postcode": "string", "phone": "string"}',
               '**/customers_changes/*.csv', 8
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
    snapshot_deletes = src.snapshot_deletes,
    import_pattern = src.import_pattern,
    date_partition_format = src.date_partition_format,
    file_discovery_pattern = src.file_discovery_pattern,
    batch_import_enabled = src.batch_import_enabled,
    date_range_start = src.date_range_start,
    date_range_end = src.date_range_end,
    skip_existing_dates = src.skip_existing_dates,
    table_relationship_group = src.table_relationship_group,
    import_sequence_order = src.import_sequence_order,
    execution_group = src.execution_group,
    error_handling_strategy = src.error_handling_strategy,
    active_yn = src.active_yn,
    modified_date = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT (
    config_id, config_name, source_file_path, source_file_format, file_delimiter, has_header,
    encoding, custom_schema_json, target_schema_name, target_table_name, write_mode,
    merge_keys, snapshot_deletes, import_pattern, date_partition_format,
    file_discovery_pattern, batch_import_enabled, date_range_start, date_range_end,
    skip_existing_dates, table_relationship_group, import_sequence_order, execution_group,
    error_handling_strategy, active_yn, created_date, modified_date
) VALUES (
    src.config_id, src.config_name, src.source_file_path, src.source_file_format,
    src.file_delimiter, src.has_header, src.encoding, src.custom_schema_json,
    src.target_schema_name, src.target_table_name, src.write_mode, src.merge_keys,
    src.snapshot_deletes, src.import_pattern, src.date_partition_format,
    src.file_discovery_pattern, src.batch_import_enabled, src.date_range_start,
    src.date_range_end, src.skip_existing_dates, src.table_relationship_group,
    src.import_sequence_order, src.execution_group, src.error_handling_strategy,
    src.active_yn, SYSUTCDATETIME(), SYSUTCDATETIME()
);
