"""What a write mode gives validation, the write stage and verify (see modes/__init__.py)."""

from __future__ import annotations


class WriteMode:
    """One value of write_mode.

    keyed: rows of one merge key collapse to one (the batch's rows carry their position in
    their file, merge_keys are required and must be columns of the data).
    commits_empty: a batch whose files hold no row still commits (it replaces what they, or
    the target, held before).
    """

    name = ""
    description = ""
    keyed = False
    commits_empty = True
    collapse_rule = "latest date wins"  # which row of a key a keyed mode keeps, in the log
    deletes: tuple[str, ...] = ()  # snapshot_deletes values besides ignore (snapshot.py)
    # --reprocess: the loaded files outside the range it reads again -- "none", "before"
    # (those dated before it), "after" (after it) or "all" -- to rebuild the rows the
    # range's rows replaced
    reprocess_reads = "none"
    # a late file (older than a date loaded already): the mode reads again the loaded files
    # of its date and later, as what it writes depends on them (scd2's history does)
    rereads_later = False

    def validate(self, cfg) -> None:
        """Raise cfg.error(column, problem) for a config the mode cannot load."""
        if cfg.snapshot_deletes != "ignore" and cfg.snapshot_deletes not in self.deletes:
            allowed = ", ".join(("ignore", *self.deletes))
            raise cfg.error("snapshot_deletes", f"{cfg.snapshot_deletes} does not apply to "
                            f"write_mode {self.name}; use {allowed}")

    def check_columns(self, cfg, columns) -> None:
        """Raise cfg.error(...) when the batch's columns ([(name, type)]) do not suit it."""

    def own_columns(self, cfg) -> tuple[str, ...]:
        """Columns of the batch the mode reads but the target never holds."""
        return ()

    def added_columns(self, cfg) -> tuple[str, ...]:
        """Columns of the target the mode writes itself (no batch holds them)."""
        return ()

    def prepare(self, spark, cfg, rows, routes):
        """The frame to commit from rows (write.Rows); routes records the choices made."""
        return rows.frame

    def first_load(self, spark, cfg, frame, notes: list, routes=None) -> int:
        """Create the target from frame (clearing the files of a first load that never
        committed); returns the rows written."""
        from ...session import clear_uncommitted_table, ensure_schema
        from ..target import last_commit_metrics, table_name

        ensure_schema(spark, cfg.target_schema_name)
        if clear_uncommitted_table(spark, cfg.target_schema_name, cfg.target_table_name):
            notes.append("cleared the files of a first load that never committed")
        frame.write.format("delta").saveAsTable(table_name(cfg))
        return last_commit_metrics(spark, cfg).get("numOutputRows", 0)

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int:
        """Commit frame (the target's columns) to the existing target in one Delta commit,
        idempotent on re-run; fill outcome's counts; return the source rows it took (None:
        unknown)."""
        raise NotImplementedError

    def check_reprocess(self, cfg) -> None:
        """Raise cfg.error(...) when the mode cannot re-process this config."""

    def replace(self, spark, cfg, frame, files, outcome, routes, span) -> int | None:
        """Re-process: in one Delta commit (a mode keeping a side table may commit it first,
        idempotently), make the target what loading every file in date order would give, the
        range span (first, last date) read as its files are now; frame holds the range's
        rows and those of the files reprocess_reads names. Fill outcome's counts."""
        raise NotImplementedError

    def verify(self, spark, cfg, report) -> None:
        """Add report.problems for a target this mode wrote that breaks its invariants."""
