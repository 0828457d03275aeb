"""Source paths: one normalising function, `..` inside Files, links met during a walk."""

from __future__ import annotations

import os

import pytest
from test_ingestion_support import add_configs, config, rows, write_file

from ingen_fab.runtime.ingestion.config import from_row
from ingen_fab.runtime.ingestion.discovery import discover
from ingen_fab.runtime.ingestion.filesystem import (
    LocalFileSystem,
    Location,
    SourcePathError,
    normalise_source_path,
)

ROOT = "/work/lh/tmp/spark"
URI = "abfss://ws@onelake.dfs.fabric.microsoft.com/lh/Files/x"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Files/x", "Files/x"),
        ("tmp/spark/Files/x", "Files/x"),
        ("x", "Files/x"),
        ("landing/orders", "Files/landing/orders"),
        ("Files/a/../x", "Files/x"),
        ("Files/a/../synthetic_data/x", "Files/synthetic_data/x"),
        ("a/../Files/x", "Files/x"),
        ("Files/../Files/x", "Files/x"),
        ("Files/x/", "Files/x"),
        ("Files/x//", "Files/x"),
        ("  Files/x  ", "Files/x"),
        ("Files\\a\\x", "Files/a/x"),
        ("./Files/x", "Files/x"),
        ("./x/./y/", "Files/x/y"),
        ("./", "Files"),
        ("Files", "Files"),
        (f"{ROOT}/Files/x", "Files/x"),
        (f"{ROOT}/Files/a/../x/", "Files/x"),
        (f"{ROOT}/tmp/../Files/x", "Files/x"),
        ("/lakehouse/default/Files/x", "Files/x"),
        (URI, URI),
        (URI + "/", URI),
        ("abfss://ws@onelake.dfs.fabric.microsoft.com/lh/Files/../y", URI[:-7] + "Files/../y"),
        ("file:///data/x/", "file:///data/x"),
    ],
)
def test_source_paths_normalise_to_one_form(given, expected):
    assert normalise_source_path(given, ROOT) == expected


@pytest.mark.parametrize(
    "given",
    [
        "Files/../x",
        "Files/..",
        "Files/a/../../x",
        "tmp/spark/Files/../../x",
        "../x",
        "..",
        "/abs/outside",
        ROOT,
        f"{ROOT}/x",
        f"{ROOT}/Files/../x",
        f"{ROOT}x/Files/y",
        "/lakehouse/default/Tables/x",
        "/lakehouse/defaultx/Files/y",
    ],
)
def test_source_paths_outside_files_are_refused_with_what_to_do(given):
    with pytest.raises(SourcePathError) as err:
        normalise_source_path(given, ROOT)
    message = str(err.value)
    assert "\n" not in message
    assert f"{given!r} is outside the lakehouse Files folder" in message
    assert f"here {ROOT}/Files, in Fabric the default lakehouse's Files" in message
    assert "abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<lakehouse>/Files/" in message


def test_an_empty_source_path_is_refused():
    with pytest.raises(SourcePathError, match="is empty"):
        normalise_source_path("  ", ROOT)


def _tree(base):
    """Files/src with a file, a dangling link, a loop, and links inside and outside Files."""
    files = base / "Files"
    src = files / "src"
    write_file(src / "in" / "a_20240101.csv", "id\n1\n")
    write_file(files / "shared" / "b_20240101.csv", "id\n2\n")
    write_file(base / "outside" / "c_20240101.csv", "id\n3\n")
    os.symlink(base / "gone.csv", src / "in" / "dangling_20240101.csv")
    os.symlink(base / "gone", src / "dangling_dir")
    os.symlink(src / "self_loop", src / "self_loop")
    os.symlink(src, src / "in" / "back_to_src")
    os.symlink(files / "shared", src / "shared_link")
    os.symlink(base / "outside", src / "outside_link")
    os.symlink(base / "outside" / "c_20240101.csv", src / "in" / "c_link_20240101.csv")
    return files, src


def test_listing_skips_dangling_looping_and_outside_links(tmp_path):
    files, src = _tree(tmp_path)
    anywhere = LocalFileSystem()
    assert [e.name for e in anywhere.ls(str(src))] == ["in", "outside_link", "shared_link"]
    fs = LocalFileSystem(inside=os.path.realpath(files))
    assert [e.name for e in fs.ls(str(src))] == ["in", "shared_link"]
    assert [e.name for e in fs.ls(str(src / "in"))] == ["a_20240101.csv", "back_to_src"]


def test_a_walk_follows_links_inside_files_once_and_never_leaves(tmp_path):
    files, src = _tree(tmp_path)
    fs = LocalFileSystem(inside=os.path.realpath(files))
    loc = Location(str(src), str(src), "Files/src", fs)
    for pattern, fmt in (("wildcard_pattern", None), ("date_partitioned", "filename")):
        cfg = from_row(
            config(
                "paths_walk",
                src,
                "paths_walk",
                import_pattern=pattern,
                date_partition_format=fmt,
                file_discovery_pattern=None,
            )
        )
        found = discover(cfg, loc)
        assert sorted(f.display_path for f in found) == [
            "Files/src/in/a_20240101.csv",
            "Files/src/shared_link/b_20240101.csv",
        ]


def test_a_dated_walk_does_not_loop_back_through_links_above_it(tmp_path):
    files = tmp_path / "Files"
    base = files / "dated"
    day1 = os.path.dirname(write_file(base / "2024/01/01/t/t_20240101.csv", "id\n1\n"))
    write_file(base / "2024/01/02/t/t_20240102.csv", "id\n2\n")
    os.symlink(base, os.path.join(day1, "to_source"))
    os.symlink(base / "2024", os.path.join(day1, "to_year"))
    os.symlink(os.path.dirname(day1), os.path.join(day1, "to_parent"))
    fs = LocalFileSystem(inside=os.path.realpath(files))
    cfg = from_row(config("paths_dated", base, "paths_dated"))
    found = discover(cfg, Location(str(base), str(base), "Files/dated", fs))
    assert [(f.display_path, f.date.day) for f in found] == [
        ("Files/dated/2024/01/01/t/t_20240101.csv", 1),
        ("Files/dated/2024/01/02/t/t_20240102.csv", 2),
    ]


def _day(folder, name, text):
    return write_file(folder / "2024" / "01" / "01" / "t" / name, text)


@pytest.mark.spark
def test_a_dotdot_path_inside_files_loads(spark, lakehouse_root):
    _day(lakehouse_root / "Files" / "paths_dotdot", "t_20240101.csv", "id\n1\n2\n")
    os.makedirs(lakehouse_root / "Files" / "paths_elsewhere")
    source = "Files/paths_elsewhere/../paths_dotdot/"
    add_configs(spark, config("paths_dotdot", source, "paths_dotdot"))
    from ingen_fab.runtime.ingestion import run_ingestion

    res = run_ingestion(spark, config_id="paths_dotdot").configs[0]
    assert (res.status, res.error_message) == ("completed", None)
    loaded = rows(spark, "itest", "paths_dotdot", order="id", lineage=True)
    assert [(int(r["id"]), r["_source_file_path"]) for r in loaded] == [
        (1, "Files/paths_dotdot/2024/01/01/t/t_20240101.csv"),
        (2, "Files/paths_dotdot/2024/01/01/t/t_20240101.csv"),
    ]


@pytest.mark.spark
def test_a_walk_over_dangling_and_outside_links_loads_the_rest(spark, lakehouse_root, tmp_path):
    base = lakehouse_root / "Files" / "paths_links"
    day = os.path.dirname(_day(base, "t_20240101.csv", "id\n1\n"))
    write_file(lakehouse_root / "Files" / "paths_shared" / "s_20240101.csv", "id\n2\n")
    write_file(tmp_path / "outside" / "o_20240101.csv", "id\n3\n")
    os.symlink(tmp_path / "gone.csv", os.path.join(day, "gone_20240101.csv"))
    os.symlink(lakehouse_root / "Files" / "paths_shared", os.path.join(day, "shared"))
    os.symlink(tmp_path / "outside", os.path.join(day, "outside"))
    os.symlink(base, os.path.join(day, "loop"))
    add_configs(spark, config("paths_links", "Files/paths_links", "paths_links"))
    from ingen_fab.runtime.ingestion import run_ingestion

    res = run_ingestion(spark, config_id="paths_links").configs[0]
    assert (res.status, res.error_message) == ("completed", None)
    assert [int(r["id"]) for r in rows(spark, "itest", "paths_links", order="id")] == [1, 2]


@pytest.mark.spark
def test_sources_outside_files_fail_with_one_config_line(spark, lakehouse_root, tmp_path):
    write_file(tmp_path / "abs" / "2024" / "01" / "01" / "t" / "t_20240101.csv", "id\n1\n")
    os.symlink(tmp_path / "abs", lakehouse_root / "Files" / "paths_out_link")
    sources = {
        "paths_out_dotdot": "Files/../paths_out",
        "paths_out_abs": str(tmp_path / "abs"),
        "paths_out_link": "Files/paths_out_link",
    }
    add_configs(
        spark,
        *[
            config(
                cid,
                "x",
                cid,
                execution_group=9501,
                source_file_path=source,
                error_handling_strategy="log",
            )
            for cid, source in sources.items()
        ],
    )
    from ingen_fab.runtime.ingestion import run_ingestion

    result = run_ingestion(spark, execution_group=9501)
    outcome = {c.config_id: (c.status, c.error_message) for c in result.configs}
    assert {s for s, _ in outcome.values()} == {"failed"}
    assert not any("\n" in m for _, m in outcome.values())
    head = "column source_file_path:"
    for cid in ("paths_out_dotdot", "paths_out_abs"):
        assert outcome[cid][1].startswith(
            f"config {cid}: {head} {sources[cid]!r} is outside the lakehouse Files folder: "
        )
    assert outcome["paths_out_link"][1].startswith(
        f"config paths_out_link: {head} Files/paths_out_link is a link to "
    )
    assert not spark.catalog.tableExists("itest.paths_out_abs")
