"""Synthetic datasets: declarations, a vectorised day-by-day generator, writer and validator.

The user actions live in :mod:`ingen_fab.synthetic.api`; numpy and pyarrow are imported only
inside the functions that need them so importing this package stays cheap.
"""
