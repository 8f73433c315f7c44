"""``tokls stats`` as text: the report of :class:`tokls.core.dataset_stats.DatasetStats` for a terminal."""

from __future__ import annotations

__all__ = ["render_text"]

BAR = 40


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def render_text(r: dict, fields: str, chat_note: str | None = None) -> str:
    limit = r["max_length"]
    out = [f"tokls stats · {r['model']} · max_length {f'{limit:,}' if limit else 'unbounded'} · input: {fields}"]
    if chat_note:
        out.append(f"note: {chat_note}")
    out.append(f"files       {', '.join(r['files'])}")
    extra = [f"{r['empty']:,} empty", f"{r['missing_field']:,} missing the field", f"{r['duplicates']:,} duplicates"]
    if r["invalid"]:
        extra.append(f"{len(r['invalid']):,} invalid")
    out.append(f"records     {r['records']:,} ({' · '.join(extra)})")
    t = r["tokens"]
    if t is None:
        out.append("no records with the input field")
        return "\n".join(out) + "\n"
    out.append("tokens      " + " · ".join(f"{k} {_num(t[k])}" for k in ("min", "mean", "p50", "p90", "p95", "p99", "max")))
    out.append("histogram")
    peak = max(b["count"] for b in r["histogram"]) or 1
    width = len(f"{r['histogram'][-1]['to'] - 1:,}")
    bins = r["histogram"]
    k = 0
    while k < len(bins):
        b = bins[k]
        run = k
        while run + 1 < len(bins) and bins[run + 1]["count"] == 0 and b["count"] == 0:
            run += 1
        if run - k >= 2:  # a long gap (an outlier far out): one line
            out.append(f"  {b['from']:>{width},}–{bins[run]['to'] - 1:<{width},} {'':<{BAR}} 0")
            k = run + 1
            continue
        bar = "█" * round(b["count"] / peak * BAR) or ("▏" if b["count"] else "")
        out.append(f"  {b['from']:>{width},}–{b['to'] - 1:<{width},} {bar:<{BAR}} {b['count']:,}")
        k += 1
    tr = r["truncated"]
    if limit:
        out.append(f"truncated   {tr['records']:,} records ({_pct(tr['records'] / r['records'])}) "
                   f"over {limit:,} tokens lose {tr['tokens_lost']:,} tokens")
    p = r["padding"]
    out.append(f"padding     batch {p['batch_size']}: longest in file order {_pct(p['longest'])} · "
               f"length-sorted buckets {_pct(p['sorted_buckets'])}"
               + (f" · max_length {limit:,} {_pct(p['max_length'])}" if limit else ""))
    out.append("max_length  candidates (truncated records · padding with padding=\"max_length\")")
    for c in r["max_length_candidates"]:
        mark = "  ← smallest truncating ≤ 1%" if c["max_length"] == p["recommended_max_length"] else ""
        out.append(f"  {c['max_length']:>8,}  {_pct(c['truncated_fraction']):>6} · {_pct(c['padding_fraction']):>6}{mark}")
    if p["recommended_max_length"] is None:
        out.append("  (none of these truncates ≤ 1% of the records)")
    out.append("longest")
    for x in r["longest"]:
        out.append(f"  {x['tokens']:>8,}  {x['path']}:{x['line']}")
    outliers = r["outliers"]
    out.append(f"outliers    {len(outliers):,} over {_num(r['outlier_threshold'])} tokens")
    for x in outliers[:20]:
        out.append(f"  {x['tokens']:>8,}  {x['path']}:{x['line']}")
    if len(outliers) > 20:
        out.append(f"  … {len(outliers) - 20:,} more (--format json lists all)")
    for x in r["invalid"][:10]:
        out.append(f"invalid     {x['path']}:{x['line']}: {x['error']}")
    return "\n".join(out) + "\n"
