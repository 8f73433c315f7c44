import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SERVER_DEFAULTS,
  changeAction,
  configurationSection,
  documentSelector,
  serverSettings,
} from "../src/lib/settings";

test("defaults build the protocol's settings tree", () => {
  const tree = serverSettings(() => undefined);
  assert.deepEqual(tree, {
    model: "bert-base-uncased",
    maxLength: null,
    budget: { warnAt: 0.8 },
    segment: "document",
    severity: { tokenCount: "information", truncation: "warning" },
    debounceMs: 150,
    maxDocumentSize: 5_000_000,
    maxDocumentTokens: 4_000_000,
    exclude: [],
    classifier: { model: "sentiment", longText: "window", stride: 128, batchSize: 32, device: "auto", backend: "auto",
                  endpoint: null, timeoutMs: 30_000 },
    dataset: { fields: [] },
    showTokens: false,
    inlayHints: true,
    split: { separator: "" },
  });
});

test("dotted VS Code keys become nested server keys", () => {
  const values: Record<string, unknown> = {
    model: "gpt2",
    maxLength: 256,
    "severity.truncation": "error",
    "classifier.model": "/models/toxic",
    "classifier.stride": 64,
    exclude: ["**/CHANGELOG.md"],
  };
  const tree = serverSettings((k) => values[k]);
  assert.equal(tree.model, "gpt2");
  assert.equal(tree.maxLength, 256);
  assert.equal(tree.severity.truncation, "error");
  assert.equal(tree.severity.tokenCount, "information");
  assert.equal(tree.classifier.model, "/models/toxic");
  assert.equal(tree.classifier.stride, 64);
  assert.equal(tree.classifier.longText, "window");
  assert.deepEqual(tree.exclude, ["**/CHANGELOG.md"]);
});

test("client-only settings never reach the server", () => {
  const values: Record<string, unknown> = { interpreter: "/usr/bin/python3", languages: ["plaintext"], "trace.server": "verbose" };
  const tree = serverSettings((k) => values[k]) as unknown as Record<string, unknown>;
  for (const key of ["interpreter", "languages", "trace", "statusBar"]) assert.equal(key in tree, false, key);
});

test("a null maxLength stays null and values are copies", () => {
  const exclude = ["a"];
  const tree = serverSettings((k) => (k === "exclude" ? exclude : k === "maxLength" ? null : undefined));
  assert.equal(tree.maxLength, null);
  tree.exclude.push("b");
  assert.deepEqual(exclude, ["a"]);
});

test("workspace/configuration sections are answered from the tree", () => {
  const tree = serverSettings((k) => (k === "classifier.device" ? "cpu" : undefined));
  assert.deepEqual(configurationSection(tree, "tokls"), tree);
  assert.deepEqual(configurationSection(tree, "tokls.classifier"), tree.classifier);
  assert.equal(configurationSection(tree, "tokls.classifier.device"), "cpu");
  assert.equal(configurationSection(tree, "tokls.nope"), null);
  assert.equal(configurationSection(tree, "editor"), undefined);
  assert.equal(configurationSection(tree, undefined), undefined);
});

test("interpreter and languages restart, server settings notify, others do nothing", () => {
  const only = (key: string) => (k: string) => k === key;
  assert.equal(changeAction(only("interpreter")), "restart");
  assert.equal(changeAction(only("languages")), "restart");
  for (const key of Object.keys(SERVER_DEFAULTS)) assert.equal(changeAction(only(key)), "notify", key);
  assert.equal(changeAction(only("trace.server")), "none");
  assert.equal(changeAction(only("statusBar.enabled")), "none");
  // A burst that has both restarts once, with the new settings read at start.
  assert.equal(changeAction((k) => k === "model" || k === "interpreter"), "restart");
});

test("document selector covers files and untitled buffers of each language once", () => {
  assert.deepEqual(documentSelector(["markdown", "markdown", "", 3]), [
    { scheme: "file", language: "markdown" },
    { scheme: "untitled", language: "markdown" },
  ]);
  assert.equal(documentSelector(undefined).length, 12);
});
