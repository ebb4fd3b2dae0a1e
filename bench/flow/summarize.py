#!/usr/bin/env python3
"""summarize.py — turn bench_flow's JSON (--benchmark_out=FILE) into the
markdown table of docs/flow-table.md: ns per key for each op and size, one
column per implementation (the median when the run had repetitions).

usage: bench/flow/summarize.py RESULT.json [RESULT_NO_THP.json]
"""
import json
import re
import statistics
import sys

IMPLS = ["FlowTable", "Absl", "RteHash"]
OPS = ["Find", "FindBulk32", "FindMissBulk32", "Insert", "InsertBulk32",
       "Erase", "EraseBulk32"]
NAME = re.compile(r"^BM_(FlowTable|Absl|RteHash)([A-Za-z0-9]+)/(\d+)/")
HASH = re.compile(r"^BM_Hash([A-Za-z]+)$")


def load(path):
    with open(path) as f:
        data = json.load(f)
    ns = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        h = HASH.match(b.get("run_name", b["name"]))
        if h and "items_per_second" in b:
            ns.setdefault(("Hash", 0, h.group(1)), []).append(1e9 / b["items_per_second"])
            continue
        m = NAME.match(b["name"])
        if not m or "items_per_second" not in b:
            continue
        impl, op, size = m.group(1), m.group(2), int(m.group(3))
        ns.setdefault((op, size, impl), []).append(1e9 / b["items_per_second"])
    return {k: statistics.median(v) for k, v in ns.items()}, data.get("context", {})


def size_label(n):
    return f"{n >> 20} M" if n >= 1 << 20 else f"{n >> 10} K"


def hash_table(ns):
    names = {"FlowHash": "FlowHash (keyed multiply-mix)",
             "Absl": "absl::Hash, 38 bytes", "RteCrc": "rte_hash_crc (CRC32C)"}
    rows = [(k[2], v) for k, v in ns.items() if k[0] == "Hash"]
    out = ["| hash of one key | ns |", "|---|---:|"]
    for name, v in sorted(rows):
        out.append(f"| {names.get(name, name)} | {v:.1f} |")
    return "\n".join(out) if rows else ""


def table(ns):
    sizes = sorted({k[1] for k in ns if k[0] != "Hash"})
    out = ["| op | entries | FlowTable | absl::flat_hash_map | rte_hash | best |",
           "|---|---:|---:|---:|---:|---|"]
    for op in OPS:
        for size in sizes:
            row = [ns.get((op, size, i)) for i in IMPLS]
            if all(v is None for v in row):
                continue
            present = [(v, i) for v, i in zip(row, IMPLS) if v is not None]
            best = min(present)[1]
            cells = [f"{v:.1f}" if v is not None else "–" for v in row]
            out.append(f"| {op} | {size_label(size)} | " + " | ".join(cells) +
                       f" | {best} |")
    return "\n".join(out)


def main():
    for path in sys.argv[1:]:
        ns, ctx = load(path)
        print(f"<!-- {path}: {ctx.get('date', '')}, {ctx.get('num_cpus', '?')} CPUs, "
              f"{ctx.get('mhz_per_cpu', '?')} MHz -->")
        print(table(ns))
        print()
        print(hash_table(ns))
        print()


if __name__ == "__main__":
    main()
