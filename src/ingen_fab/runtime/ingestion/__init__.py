"""ingen_fab.runtime.ingestion."""
