"""``tokls stats --format html``: one self-contained page (inline SVG chart, no scripts, no network)."""

from __future__ import annotations

import html
import json

__all__ = ["render_html"]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _chart(histogram: list[dict]) -> str:
    if not histogram:
        return ""
    w, h, gap = 640, 200, 2
    peak = max(b["count"] for b in histogram) or 1
    bw = w / len(histogram)
    bars = []
    for k, b in enumerate(histogram):
        bh = b["count"] / peak * (h - 20)
        bars.append(f'<rect x="{k * bw + gap:.1f}" y="{h - bh:.1f}" width="{bw - 2 * gap:.1f}" height="{bh:.1f}">'
                    f'<title>{b["from"]:,}–{b["to"] - 1:,} tokens: {b["count"]:,} records</title></rect>')
    labels = (f'<text x="0" y="{h + 14}">{histogram[0]["from"]:,}</text>'
              f'<text x="{w}" y="{h + 14}" text-anchor="end">{histogram[-1]["to"] - 1:,} tokens</text>')
    return (f'<svg viewBox="0 0 {w} {h + 20}" width="{w}" role="img" aria-label="histogram of tokens per record">'
            f'<g fill="#4a7bd0">{"".join(bars)}</g><g font-size="12">{labels}</g></svg>')


def render_html(r: dict) -> str:
    e = html.escape
    t = r.get("tokens") or {}
    rows = "".join(f"<tr><th>{k}</th><td>{t[k]:,.1f}</td></tr>" for k in ("min", "mean", "p50", "p90", "p95", "p99", "max")
                   if k in t)
    p = r.get("padding") or {}
    cands = "".join(
        f"<tr{' class=rec' if c['max_length'] == p.get('recommended_max_length') else ''}><td>{c['max_length']:,}</td>"
        f"<td>{_pct(c['truncated_fraction'])}</td><td>{_pct(c['padding_fraction'])}</td></tr>"
        for c in r.get("max_length_candidates", []))
    longest = "".join(f"<li>{x['tokens']:,} tokens — {e(x['path'])}:{x['line']}</li>" for x in r.get("longest", []))
    outliers = "".join(f"<li>{x['tokens']:,} tokens — {e(x['path'])}:{x['line']}</li>" for x in r.get("outliers", []))
    tr = r.get("truncated") or {}
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>tokls stats · {e(str(r['model']))}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;max-width:52em}}td,th{{padding:2px 10px;text-align:right}}
tr.rec{{font-weight:bold;background:#eef5e6}}</style></head><body>
<h1>tokls stats · {e(str(r['model']))}</h1>
<p>{len(r['files'])} file(s) · {r['records']:,} records · max_length {r['max_length'] or 'unbounded'} ·
{r['empty']:,} empty · {r['missing_field']:,} missing the field · {r['duplicates']:,} duplicates</p>
<h2>Tokens per record</h2><table>{rows}</table>{_chart(r.get('histogram', []))}
<h2>Truncation</h2><p>{tr.get('records', 0):,} records over the limit lose {tr.get('tokens_lost', 0):,} tokens.</p>
<h2>Padding (batch {p.get('batch_size', '—')})</h2>
<p>longest, file order {_pct(p.get('longest'))} · length-sorted buckets {_pct(p.get('sorted_buckets'))} ·
max_length {_pct(p.get('max_length'))}</p>
<table><tr><th>max_length</th><th>truncated</th><th>padding</th></tr>{cands}</table>
<p>Bold: the smallest max_length that truncates at most 1% of records.</p>
<h2>Longest records</h2><ol>{longest}</ol><h2>Outliers</h2><ol>{outliers}</ol>
<script type="application/json" id="tokls-stats">{e(json.dumps(r))}</script>
</body></html>
"""
