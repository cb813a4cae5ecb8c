#!/usr/bin/env python3
"""Writes a TOML price library as the CSV a French spreadsheet opens directly.

    python3 datasets/prices/toml_to_csv.py [library.toml [library.csv]]

Defaults to bibliotheque-exemple-2026.toml -> bibliotheque-exemple-2026.csv next to this script.
The CSV has the columns the estimator reads (semicolon separated, decimal comma, UTF-8):
code;lot;designation_fr;designation_en;unit;material_cost;labour_hours;hourly_rate;waste;vat;unit_price

`hourly_rate` is written only for items with their own rate (empty = the default rate of 48).
`unit_price` is always written, computed as the estimator does it: material x (1 + waste)
+ hours x rate, rounded to the cent half-to-even (rust_decimal's round_dp), unless the item
gives a fixed `price`. Standard library only (Python 3.11+ for tomllib).
"""

import csv
import sys
import tomllib
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = [
    "code", "lot", "designation_fr", "designation_en", "unit", "material_cost",
    "labour_hours", "hourly_rate", "waste", "vat", "unit_price",
]
# The rate the CSV reader assumes when the hourly_rate column is empty.
CSV_DEFAULT_RATE = Decimal("48")


def dec(value) -> Decimal:
    # TOML floats arrive as Python floats; repr() gives the shortest exact spelling, which is
    # also how rust_decimal reads a float from serde.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def fr(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "bibliotheque-exemple-2026.toml"
    dst = Path(sys.argv[2]) if len(sys.argv) > 2 else src.with_suffix(".csv")
    lib = tomllib.loads(src.read_text(encoding="utf-8"))
    default_rate = dec(lib["library"]["hourly_rate"])
    rows = []
    for item in lib.get("item", []):
        material = dec(item.get("material", 0))
        hours = dec(item.get("hours", 0))
        waste = dec(item.get("waste", 0))
        own_rate = "rate" in item
        rate = dec(item["rate"]) if own_rate else default_rate
        if "price" in item:
            price = dec(item["price"])
        else:
            price = material * (1 + waste) + hours * rate
        price = price.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        # An empty hourly_rate means 48 to the CSV reader: write the rate whenever it differs.
        write_rate = own_rate or rate != CSV_DEFAULT_RATE
        rows.append([
            item["code"], item["lot"], item["fr"], item.get("en", ""), item["unit"],
            fr(material), fr(hours), fr(rate) if write_rate else "", fr(waste),
            item.get("vat", "standard") or "standard", format(price, "f").replace(".", ","),
        ])
    with dst.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    print(f"{dst}: {len(rows)} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
