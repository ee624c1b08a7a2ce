"""csv_compare.py A.csv B.csv: exits 0 when two sweep summaries hold the
same rows (every column but wall_s, which is a measurement), else prints
the first difference and exits 1. Used by sweep_cli_test.sh."""
import csv
import sys


def rows(path):
    with open(path, newline="") as f:
        r = list(csv.DictReader(f))
    for row in r:
        row.pop("wall_s", None)
    return r


a, b = rows(sys.argv[1]), rows(sys.argv[2])
if len(a) != len(b):
    sys.exit(f"{sys.argv[1]}: {len(a)} rows, {sys.argv[2]}: {len(b)} rows")
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        sys.exit(f"row {i + 1} differs:\n  {x}\n  {y}")
print(f"csv_compare: {len(a)} rows equal")
