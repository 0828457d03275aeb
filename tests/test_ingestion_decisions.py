"""The pure decisions of an ingestion run, tested without a JVM: which files are pending,
which dates are done, which configs run, in what file order, which file wins a key, which
type a column gets, and what the error strategy lets through."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple

import pytest
from test_ingestion_support import config

from ingen_fab.runtime.ingestion.check import choose
from ingen_fab.runtime.ingestion.config import from_row
from ingen_fab.runtime.ingestion.discovery import SourceFile
from ingen_fab.runtime.ingestion.engine import select_configs
from ingen_fab.runtime.ingestion.filesystem import LocalFileSystem
from ingen_fab.runtime.ingestion.inference import choose_types, sample_totals, sample_types
from ingen_fab.runtime.ingestion.keys import file_order, latest_answer
from ingen_fab.runtime.ingestion.ledger import FAILED, LOADED, done_dates, pending_files
from ingen_fab.runtime.ingestion.plan import oldest_date_only

D1, D2, D3 = dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)
Ledger = namedtuple(
    "Ledger", "date_partition status file_size modification_time content_hash"
)


def source(path, when=None, size=10, mtime=None, list_path=None):
    return SourceFile(path, path, list_path or path, path, when, size, mtime)


def test_a_date_is_done_only_when_every_file_of_it_loaded():
    state = {
        "a1": Ledger(D1, LOADED, 1, None, "h"),
        "b1": Ledger(D1, LOADED, 1, None, "h"),
        "a2": Ledger(D2, LOADED, 1, None, "h"),
        "b2": Ledger(D2, FAILED, 1, None, "h"),
        "undated": Ledger(None, LOADED, 1, None, "h"),
    }
    assert done_dates(state) == frozenset({D1})
    assert done_dates({}) == frozenset()


def test_pending_files_new_failed_and_changed_load_unchanged_are_skipped(tmp_path):
    when = dt.datetime(2024, 1, 5, 12, 0)
    same, touched, edited = tmp_path / "same.csv", tmp_path / "touched.csv", tmp_path / "edited.csv"
    for path in (same, touched, edited):
        path.write_text("id\n1\n")
    fs = LocalFileSystem()
    digest = fs.fingerprint(str(same), False)[0]
    files = [
        source("same", D1, 5, when, str(same)),
        source("touched", D1, 5, when, str(touched)),  # mtime moved, content equal
        source("edited", D1, 5, when, str(edited)),  # mtime moved, content changed
        source("new", D2, 5, when, str(same)),
        source("failed", D2, 5, when, str(same)),
    ]
    earlier = when - dt.timedelta(hours=1)
    state = {
        "same": Ledger(D1, LOADED, 5, when, digest),
        "touched": Ledger(D1, LOADED, 5, earlier, digest),
        "edited": Ledger(D1, LOADED, 5, earlier, "another hash"),
        "failed": Ledger(D2, FAILED, 5, when, digest),
    }
    todo, prints = pending_files(files, state, fs)
    assert [f.display_path for f in todo] == ["edited", "new", "failed"]
    assert set(prints) == {"touched", "edited"}  # only files whose mtime moved are hashed
    # a dry run hashes nothing: a loaded file whose mtime moved counts as pending
    dry, _ = pending_files(files, state, None)
    assert [f.display_path for f in dry] == ["touched", "edited", "new", "failed"]


def test_batch_import_disabled_takes_the_oldest_pending_date_undated_first():
    files = [source("c", D3), source("a", D1), source("b", D1), source("u")]
    assert [f.display_path for f in oldest_date_only(files)] == ["u"]
    assert [f.display_path for f in oldest_date_only(files[:3])] == ["a", "b"]
    assert oldest_date_only([]) == []


def test_config_selection_one_id_or_the_active_configs_of_a_group():
    rows = [
        {"config_id": "a", "active_yn": "Y", "execution_group": 1},
        {"config_id": "b", "active_yn": "y", "execution_group": 2},
        {"config_id": "c", "active_yn": "N", "execution_group": 1},
    ]
    assert [r["config_id"] for r in select_configs(rows)] == ["a", "b"]
    assert [r["config_id"] for r in select_configs(rows, execution_group=1)] == ["a"]
    assert [r["config_id"] for r in select_configs(rows, execution_group="2")] == ["b"]
    # an inactive config runs when asked for by id (it is then logged as skipped)
    assert [r["config_id"] for r in select_configs(rows, config_id="c")] == ["c"]
    with pytest.raises(Exception, match="no config with config_id 'zz'"):
        select_configs(rows, config_id="zz")


def test_file_order_is_date_then_path_and_latest_answer_maps_back():
    files = [source("b", D2), source("a", D2), source("z", D1), source("u")]
    order = file_order(files)
    assert sorted(order, key=order.get) == ["u", "z", "a", "b"]
    winners, most = latest_answer([(order["b"], 1), (order["z"], 3)], order)
    assert winners == {"b", "z"} and most == 3
    # a winning order no listed file has: every file may hold a winner
    winners, _ = latest_answer([(12345, 1)], order)
    assert winners == set(order)


def test_type_choice_narrowest_fitting_type_and_retry_when_the_sample_breaks():
    columns = ["id", "code", "amount", "day", "flag", "empty"]
    rows = [
        ["1", "001", "1.5", "2024-01-01", "true", None],
        ["2", "002", "2", "2024-01-02", "false", None],
    ]
    sampled = sample_types(columns, sample_totals(columns, rows))
    assert sampled["code"] == "string"  # leading zeros stay text
    assert sampled["day"] == "date" and sampled["flag"] == "boolean"
    assert sampled["empty"] is None
    # the full pass: a later id that is not a number breaks the sampled int
    later = rows + [["x3", "003", "3", "2024-01-03", "true", None]]
    chosen, retry = choose_types(columns, sample_totals(columns, later), sampled)
    assert retry == ["id"]
    assert chosen["code"] == "string" and chosen["day"] == "date"
    assert chosen["empty"] == "string"  # no value anywhere: text


@pytest.mark.parametrize(
    ("strategy", "kept", "failed"),
    [
        ("fail", ["d1"], {"d2", "d2b", "d3"}),  # dates before the first failing date commit
        ("log", ["d1", "d3"], {"d2", "d2b"}),  # the failing date is left out, others load
        ("skip", ["d1", "d2", "d2b", "d3"], set()),  # rejects are quarantined, never errors
    ],
)
def test_error_strategy_decides_which_files_commit(strategy, kept, failed):
    cfg = from_row(config("c", "Files/x", "t", error_handling_strategy=strategy))
    files = [source("d1", D1), source("d2", D2), source("d2b", D2), source("d3", D3)]
    errors = {} if strategy == "skip" else {"d2": "d2: 1 bad row(s) (1 wrong field count)"}
    decision = choose(cfg, files, errors)
    keep, why = decision.keep, decision.failed
    assert [f.display_path for f in keep] == kept
    assert set(why) == failed
    if failed:
        assert why["d2"].startswith("d2: 1 bad row")
        assert why["d2b"].startswith("not loaded:")
