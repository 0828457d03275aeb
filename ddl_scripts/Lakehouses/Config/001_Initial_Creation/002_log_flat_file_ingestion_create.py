# The flat-file ingestion log table: one row per config per execution.
from ingen_fab_runtime.schema import LOG_TABLE
from ingen_fab_runtime.tables import create_table

create_table(spark, LOG_TABLE)
