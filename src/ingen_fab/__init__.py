"""ingen_fab: synthetic data, notebook compilation and incremental ingestion for Microsoft Fabric."""

__version__ = "0.1.0"
