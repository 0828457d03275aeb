# The flat-file ingestion log tables: one row per config per execution
# (log_flat_file_ingestion), one per source file (log_flat_file_ingestion_files, consulted by
# skip_existing_dates and re-runs), and rejected rows (quarantine_flat_file_ingestion).
from ingen_fab_runtime.schema import FILE_LEDGER_TABLE, LOG_TABLE, QUARANTINE_TABLE
from ingen_fab_runtime.tables import create_table

for table in (LOG_TABLE, FILE_LEDGER_TABLE, QUARANTINE_TABLE):
    create_table(spark, table)
