import assert from "node:assert/strict";
import { test } from "node:test";
import { CompareResult, compareMarkdown } from "../src/lib/compare";

const result: CompareResult = {
  characters: 41234,
  rows: [
    { model: "gpt-4o", preset: "o200k_base", tokens: 9210, characters: 41234, charsPerToken: 41234 / 9210, maxLength: 128000,
      share: 9210 / 128000, cost: 0.023025, truncated: false, droppedTokens: 0, note: "", error: null },
    { model: "bert-base-uncased", preset: "bert-base-uncased", tokens: 10100, characters: 41234, charsPerToken: 41234 / 10100,
      maxLength: 512, share: 10100 / 512, cost: null, truncated: true, droppedTokens: 9588, note: "", error: null },
    { model: "claude-x", preset: null, tokens: null, characters: 41234, charsPerToken: null, maxLength: null, share: null,
      cost: null, truncated: false, droppedTokens: 0, note: "", error: "no public tokenizer | for Claude" },
  ],
};

test("one table row per model, failures listed under the table", () => {
  const md = compareMarkdown(result, "notes.md").split("\n");
  assert.ok(md.includes("| gpt-4o | o200k_base | 9,210 | 4.48 | 128,000 | 7.2% | ≈ $0.023 | no |"));
  assert.ok(md.includes("| bert-base-uncased | bert-base-uncased | 10,100 | 4.08 | 512 | 1972.7% | – | **yes** (−9,588) |"));
  assert.ok(md.includes("| claude-x | – | – | – | – | – | – | error |"));
  assert.ok(md.includes("- **claude-x**: no public tokenizer \\| for Claude"));
  assert.ok(md[2].startsWith("notes.md · 41,234 characters"));
});
