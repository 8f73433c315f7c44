import assert from "node:assert/strict";
import { test } from "node:test";
import { DatasetStats, histogramSvg, renderDatasetReport } from "../src/lib/datasetReport";

const ctx = { nonce: "n0nce", cspSource: "vscode-webview://x" };
const stats: DatasetStats = {
  model: "bert-base-uncased",
  max_length: 512,
  files: ["/data/reviews.jsonl"],
  records: 6,
  tokens: { min: 4, mean: 250.5, p50: 40, p90: 600, p95: 650, p99: 690, max: 700 },
  histogram: [
    { from: 4, to: 354, count: 4 },
    { from: 354, to: 704, count: 2 },
  ],
  truncated: { records: 2, tokens_lost: 376 },
  padding: { batch_size: 32, longest: 0.64, sorted_buckets: 0.64, max_length: 0.51, recommended_max_length: 1024 },
  max_length_candidates: [
    { max_length: 512, truncated_fraction: 2 / 6, padding_fraction: 0.5 },
    { max_length: 1024, truncated_fraction: 0, padding_fraction: 0.75 },
  ],
  longest: [
    { path: "/data/reviews.jsonl", line: 9, tokens: 700 },
    { path: "/data/reviews.jsonl", line: 3, tokens: 520 },
    { path: "/data/reviews.jsonl", line: 1, tokens: 40 },
  ],
  outliers: [],
  outlier_threshold: 2600,
  empty: 0,
  missing_field: 1,
  duplicates: 1,
  invalid: [{ path: "/data/reviews.jsonl", line: 5, error: "invalid JSON: <Expecting value>" }],
};

test("the histogram is an SVG bar per bin, heights proportional to counts, bins past the limit marked", () => {
  const svg = histogramSvg(stats.histogram, 512, 600, 160);
  const rects = [...svg.matchAll(/<rect class="([^"]+)" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g)];
  assert.equal(rects.length, 2);
  assert.deepEqual(rects.map((r) => r[1]), ["bin", "bin over"]);
  assert.equal(Number(rects[0]![3]), 140);
  assert.equal(Number(rects[1]![3]), 70);
  assert.match(svg, /<title>354–703 tokens: 2 records<\/title>/);
  assert.equal(histogramSvg([], 512), "");
});

test("the report shows the figures, the padding candidates and the longest records as links to their lines", () => {
  const html = renderDatasetReport(stats, "data/reviews.jsonl", ctx);
  assert.match(html, /<dt>Records<\/dt><dd>6<\/dd>/);
  assert.match(html, /<dt>Truncated<\/dt><dd>2 records, 376 tokens lost<\/dd>/);
  assert.match(html, /p90 600 · p95 650 · p99 690/);
  assert.match(html, /<tr class="rec"><td class="num">1,024<\/td><td class="num">0\.0%<\/td><td class="num">75\.0%<\/td><td>← smallest truncating ≤ 1%/);
  const lines = [...html.matchAll(/<li><a href="#" data-line="(\d+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual(lines, [9, 3, 1, 5]); // the longest, then the invalid record
  assert.equal((html.match(/class="over">truncated/g) ?? []).length, 2);
  assert.match(html, /invalid JSON: &lt;Expecting value&gt;/);
  assert.match(html, /<svg class="hist"/);
  // nothing from outside; no inline style attributes (the CSP forbids them)
  assert.match(html, /content="default-src &#39;none&#39;; style-src &#39;nonce-n0nce&#39;; script-src &#39;nonce-n0nce&#39;;"/);
  assert.doesNotMatch(html, / style="/);
  assert.doesNotMatch(html, /https?:\/\//);
});

test("a dataset without records says so", () => {
  const empty = { ...stats, records: 0, tokens: null, histogram: [], padding: null, max_length_candidates: [], longest: [] };
  const html = renderDatasetReport(empty, "x.csv", ctx);
  assert.match(html, /No records with an input field/);
  assert.doesNotMatch(html, /<svg/);
});
