"""Benchmark: rows written per second by generate-series, beside a row-at-a-time Faker baseline.

Ours generates all six tables of retail_oltp_incremental end to end (simulation, Arrow tables,
CSV files). The baseline, measured in the same run, is the straightforward approach: a Python
loop that builds each order and order line with Faker and writes it with the csv module, one
file per table per day, for the same orders and order_items columns and volumes.

The same series with ``--faults realistic`` is timed too: injecting the faults and writing the
known answers may cost at most 15% over the clean series.

    .venv/bin/python bench/bench_synthetic.py [--scales small,medium] [--days 30]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import tempfile
import time

from ingen_fab.synthetic import api, datasets

DATASET = "retail_oltp_incremental"
ORDER_COLUMNS = datasets.RETAIL_DATASET.table("orders").column_names
ITEM_COLUMNS = datasets.RETAIL_DATASET.table("order_items").column_names


def bench_ours(scale: str, days: int, folder: str, faults: str = "none") -> tuple[int, float]:
    end = dt.date(2024, 1, 1) + dt.timedelta(days=days - 1)
    began = time.perf_counter()
    result = api.generate_series(
        DATASET, "2024-01-01", end.isoformat(), scale=scale, output_dir=folder,
        faults_spec=faults,
    )
    return result.total_rows, time.perf_counter() - began


def bench_realistic(scale: str, days: int, folder: str) -> tuple[int, float]:
    return bench_ours(scale, days, folder, "realistic")


def bench_faker(scale: str, days: int, folder: str) -> tuple[int, float]:
    from faker import Faker

    size = datasets.RETAIL_DATASET.scale(scale)
    fake = Faker("en_AU")
    Faker.seed(42)
    random.seed(42)
    rows, order_id, item_id = 0, 1, 1
    began = time.perf_counter()
    for offset in range(days):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
        stamp = day.strftime("%Y%m%d")
        start = dt.datetime.combine(day, dt.time())
        with (
            open(os.path.join(folder, f"orders_{stamp}.csv"), "w", newline="") as o_file,
            open(os.path.join(folder, f"order_items_{stamp}.csv"), "w", newline="") as i_file,
        ):
            orders, items = csv.writer(o_file), csv.writer(i_file)
            orders.writerow(ORDER_COLUMNS)
            items.writerow(ITEM_COLUMNS)
            for _ in range(size.orders_per_day):
                channel = fake.random_element(("in_store", "online", "mobile_app"))
                lines = min(
                    fake.random_int(1, 4) if random.random() < 0.9 else fake.random_int(5, 15), 15
                )
                total = 0
                for number in range(1, lines + 1):
                    quantity = fake.random_int(1, 3)
                    price = fake.random_int(399, 89_999)
                    total += quantity * price
                    items.writerow(
                        [
                            item_id,
                            order_id,
                            number,
                            fake.random_int(1, size.products),
                            quantity,
                            f"{price / 100:.2f}",
                            f"{quantity * price / 100:.2f}",
                        ]
                    )
                    item_id += 1
                orders.writerow(
                    [
                        order_id,
                        fake.random_int(1, size.customers),
                        1 if channel != "in_store" else fake.random_int(2, size.stores),
                        day.isoformat(),
                        fake.date_time_between(start, start + dt.timedelta(days=1)).strftime(
                            "%Y-%m-%d %H:%M:%S"
                        ),
                        fake.random_element(("completed", "processing", "shipped")),
                        channel,
                        fake.random_element(("credit_card", "debit_card", "paypal", "afterpay")),
                        lines,
                        f"{total / 100:.2f}",
                        "AUD",
                    ]
                )
                rows += 1 + lines
                order_id += 1
    return rows, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--baseline-days",
        type=int,
        default=None,
        help="days for the Faker baseline (default: all days at small, 3 above)",
    )
    args = parser.parse_args()
    print(f"{'generator':<22} {'scale':<7} {'days':>4} {'rows':>12} {'seconds':>8} {'rows/s':>11}")
    for scale in args.scales.split(","):
        baseline_days = args.baseline_days or (args.days if scale == "small" else 3)
        seconds_of = {}
        for name, bench, days in (
            ("ours (6 tables)", bench_ours, args.days),
            ("ours, faults realistic", bench_realistic, args.days),
            ("faker (orders+items)", bench_faker, baseline_days),
        ):
            folder = tempfile.mkdtemp(prefix=f"bench_synthetic_{scale}_")
            try:
                rows, seconds = bench(scale, days, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            seconds_of[bench] = seconds
            print(
                f"{name:<22} {scale:<7} {days:>4} {rows:>12,} {seconds:>8.2f} "
                f"{rows / seconds:>11,.0f}",
                flush=True,
            )
        extra = seconds_of[bench_realistic] / seconds_of[bench_ours] - 1
        print(f"{scale}: faults realistic cost {extra:+.0%} over the clean series "
              "(target: at most +15%)", flush=True)


if __name__ == "__main__":
    main()
