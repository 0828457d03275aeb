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
    snapshot_deletes = False  # can delete keys missing from a full snapshot (snapshot.py)

    def validate(self, cfg) -> None:
        """Raise cfg.error(column, problem) for a config the mode cannot load."""
        if cfg.snapshot_deletes != "ignore" and not self.snapshot_deletes:
            raise cfg.error("snapshot_deletes", f"{cfg.snapshot_deletes} needs write_mode merge "
                            "(each date's files a full snapshot); use ignore")

    def check_columns(self, cfg, columns) -> None:
        """Raise cfg.error(...) when the batch's columns ([(name, type)]) do not suit it."""

    def prepare(self, spark, cfg, rows, routes):
        """The frame to commit from rows (write.Rows); routes records the choices made."""
        return rows.frame

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int:
        """Commit frame (the target's columns) to the existing target in one Delta commit,
        idempotent on re-run; fill outcome's counts; return the source rows it took (None:
        unknown)."""
        raise NotImplementedError

    def verify(self, spark, cfg, report) -> None:
        """Add report.problems for a target this mode wrote that breaks its invariants."""
