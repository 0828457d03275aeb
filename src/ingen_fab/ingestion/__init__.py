"""ingen_fab.ingestion."""
