"""Whether two warehouses' views hold the same rows: a rewritten view checked against the old one at scale.

    python -m benchmarks.views_compare OLD.duckdb NEW.duckdb [VIEW ...]

Both warehouses must hold the same data (for example two loads of one `benchmarks.warehouse --keep`
lake, one by each version of newsflow). Per view it compares the column names and types and an
order-free fingerprint of the rows (count, sum and xor of the rows' hashes); exit 1 when any differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def fingerprint(db: Path, view: str) -> tuple[list[tuple], tuple]:
    """(column names and types, (rows, sum of row hashes, xor of row hashes)) of one view."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(f"select column_name, column_type from (describe select * from {view})").fetchall()
        rows = con.execute(f"select count(*), sum(hash(t)::hugeint), bit_xor(hash(t)) from {view} as t").fetchone()
    return columns, tuple(rows or ())


def view_names(db: Path) -> list[str]:
    """The views of a warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select view_name from duckdb_views() where not internal order by 1").fetchall()
        return [r[0] for r in rows]


def main(argv: list[str] | None = None) -> int:
    """Print same/DIFFERENT per view shared by both warehouses."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        sys.exit(__doc__)
    old, new = Path(args[0]), Path(args[1])
    views = args[2:] or sorted(set(view_names(old)) & set(view_names(new)))
    different = 0
    for view in views:
        a, b = fingerprint(old, view), fingerprint(new, view)
        different += a != b
        print(f"{'same' if a == b else 'DIFFERENT':9}  {view}  ({a[1][0]:,} rows)")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
