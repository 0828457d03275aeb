{{ tsql_create_table("config_flat_file_ingestion") }}
