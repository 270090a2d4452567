"""Reads Parquet files with pyarrow (an independent reader) and prints, per file, its codecs,
row groups and rows as JSON: nulls dropped (a column a class never fills), `unmapped` parsed
back from its JSON string, so each row is the OCSF event that was written.
Usage: read_parquet.py FILE..."""
import json
import sys

import pyarrow.parquet as pq


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


out = []
for path in sys.argv[1:]:
    f = pq.ParquetFile(path)
    meta = f.metadata
    codecs = sorted({meta.row_group(g).column(c).compression
                     for g in range(meta.num_row_groups) for c in range(meta.num_columns)})
    rows = []
    for row in f.read().to_pylist():
        row = strip(row)
        if isinstance(row.get("unmapped"), str):
            row["unmapped"] = json.loads(row["unmapped"])
        rows.append(row)
    out.append({"file": path, "codecs": codecs, "row_groups": meta.num_row_groups,
                "schema": str(f.schema_arrow), "rows": rows})
json.dump(out, sys.stdout)
