# The flat-file ingestion config table (columns declared once in ingen_fab.runtime.schema).
from ingen_fab_runtime.schema import CONFIG_TABLE
from ingen_fab_runtime.tables import create_table

create_table(spark, CONFIG_TABLE)
