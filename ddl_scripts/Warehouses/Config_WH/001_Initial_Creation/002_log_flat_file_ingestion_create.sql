{{ tsql_create_table("log_flat_file_ingestion") }}
