#!/usr/bin/env bash
# The spec's execution strategy, end to end, on the local lakehouse (tmp/spark by default):
# generate -> compile DDL -> run DDL -> import groups 1, 2, 3 -> the spec's monitoring queries,
# then group 4 (history: products as scd2, the customers change feed as cdc) and a look at it.
set -euo pipefail
cd "$(dirname "$0")/.."
fab=.venv/bin/ingen_fab

$fab package synthetic-data generate-series retail_oltp_incremental \
  --start-date 2024-01-01 --end-date 2024-01-30 --changes feed
$fab ddl compile --generation-mode=lakehouse
$fab ddl run --generation-mode=lakehouse
$fab run package flat-file-ingestion run --execution-group=1
$fab run package flat-file-ingestion run --execution-group=2
$fab run package flat-file-ingestion run --execution-group=3

$fab lakehouse sql "
SELECT
    config_id,
    execution_id,
    status,
    records_processed,
    records_inserted,
    records_updated,
    execution_duration_seconds,
    error_message
FROM log_flat_file_ingestion
WHERE config_id LIKE 'retail_%_incremental%'
ORDER BY job_start_time DESC"

$fab lakehouse sql "
SELECT
    'customers' as table_name,
    DATE_TRUNC('day', _ingestion_timestamp) as ingestion_date,
    COUNT(*) as record_count
FROM bronze.customers
GROUP BY DATE_TRUNC('day', _ingestion_timestamp)

UNION ALL

SELECT
    'orders' as table_name,
    DATE_TRUNC('day', order_date) as ingestion_date,
    COUNT(*) as record_count
FROM bronze.orders
GROUP BY DATE_TRUNC('day', order_date)

ORDER BY table_name, ingestion_date"

$fab lakehouse sql "
SELECT
    COUNT(*) as total_orders,
    COUNT(DISTINCT o.customer_id) as unique_customers,
    COUNT(c.customer_id) as valid_customer_refs
FROM bronze.orders o
LEFT JOIN bronze.customers c ON o.customer_id = c.customer_id
WHERE o.order_date >= '2024-01-01'"

$fab lakehouse sql "UPDATE config_flat_file_ingestion SET active_yn = 'Y' WHERE execution_group = 4"
$fab run package flat-file-ingestion run --execution-group=4
$fab lakehouse sql "
SELECT
    COUNT(*) AS versions,
    COUNT(DISTINCT product_id) AS products,
    SUM(CASE WHEN _is_current THEN 1 ELSE 0 END) AS current_versions,
    SUM(CASE WHEN status = 'discontinued' AND _is_current THEN 1 ELSE 0 END) AS discontinued_now
FROM bronze.products_history"
$fab lakehouse sql "
SELECT
    (SELECT COUNT(*) FROM bronze.customers_current) AS customers_from_changes,
    (SELECT COUNT(*) FROM bronze.customers WHERE churn_date IS NULL) AS active_in_snapshot"

$fab package flat-file-ingestion verify
