/** Items of the Select Tokenizer Model quick pick, and the recently-used list. Pure. */

export interface Preset {
  id: string;
  detail: string;
}

/** Tokenizers the server knows by name and ships for offline use. */
export const PRESETS: readonly Preset[] = [
  { id: "bert-base-uncased", detail: "WordPiece · 30,522 tokens · max 512 · BERT, MiniLM, most encoders" },
  { id: "gpt2", detail: "Byte-level BPE · 50,257 tokens · max 1024 · GPT-2 and relatives" },
  { id: "o200k_base", detail: "OpenAI byte-level BPE · ~200K tokens · GPT-4o, GPT-4.1, o1/o3/o4, gpt-oss" },
  { id: "cl100k_base", detail: "OpenAI byte-level BPE · ~100K tokens · GPT-4, GPT-3.5" },
  { id: "llama-3", detail: "Byte-level BPE · 128K tokens · Llama 3.x" },
  { id: "mistral-tekken", detail: "Tekken BPE · 131K tokens · Mistral models since NeMo (2407)" },
  { id: "mistral-v3", detail: "SentencePiece · 32,768 tokens · Mistral 7B, Mixtral, 2402 releases" },
  { id: "qwen", detail: "Byte-level BPE · 151K tokens · Qwen, QwQ" },
  { id: "deepseek", detail: "Byte-level BPE · 128K tokens · DeepSeek V3/R1 (deepseek-chat, deepseek-reasoner)" },
];

/** Model names the server resolves to a preset and the model's context window. */
export const MODEL_NAMES: readonly Preset[] = [
  { id: "gpt-4o", detail: "o200k_base · the model's context window" },
  { id: "gpt-4.1-mini", detail: "o200k_base · the model's context window" },
  { id: "o3", detail: "o200k_base · the model's context window" },
  { id: "gpt-4", detail: "cl100k_base · the model's context window" },
  { id: "llama-3.1-8b", detail: "llama-3 · the model's context window" },
  { id: "mistral-large", detail: "mistral-tekken · the model's context window" },
  { id: "qwen2.5-72b", detail: "qwen · the model's context window" },
  { id: "deepseek-chat", detail: "deepseek · the model's context window" },
];

export const MAX_RECENT = 5;

export type ModelItem =
  | { kind: "separator"; label: string }
  | { kind: "model"; label: string; model: string; description?: string; detail?: string; current: boolean }
  | { kind: "browse"; label: string; detail: string }
  | { kind: "custom"; label: string; model: string; detail: string };

/** Move `model` to the front of `recent`, without duplicates, at most `max` long. */
export function pushRecent(recent: readonly string[], model: string, max = MAX_RECENT): string[] {
  const m = model.trim();
  if (m === "") return [...recent];
  return [m, ...recent.filter((r) => r !== m)].slice(0, max);
}

export function modelItems(current: string, recent: readonly string[]): ModelItem[] {
  const items: ModelItem[] = [];
  const presetIds = new Set([...PRESETS, ...MODEL_NAMES].map((p) => p.id));
  for (const [title, list] of [["Presets", PRESETS], ["Model names", MODEL_NAMES]] as const) {
    items.push({ kind: "separator", label: title });
    for (const p of list) {
      items.push({ kind: "model", label: p.id, model: p.id, detail: p.detail, description: p.id === current ? "current" : undefined, current: p.id === current });
    }
  }
  const others = recent.filter((r) => !presetIds.has(r));
  if (current && !presetIds.has(current) && !others.includes(current)) others.unshift(current);
  if (others.length > 0) {
    items.push({ kind: "separator", label: "Recently used" });
    for (const r of others) {
      items.push({ kind: "model", label: r, model: r, description: r === current ? "current" : isLocalPath(r) ? "local folder" : "Hugging Face hub", current: r === current });
    }
  }
  items.push({ kind: "separator", label: "" });
  items.push({ kind: "browse", label: "$(folder-opened) Browse…", detail: "A local folder with tokenizer.json (or vocab.txt, or vocab.json + merges.txt)" });
  return items;
}

/** The extra item offered for what the user typed, or undefined when it is empty or already listed. */
export function customItem(value: string, items: readonly ModelItem[]): ModelItem | undefined {
  const v = value.trim();
  if (v === "") return undefined;
  if (items.some((i) => i.kind === "model" && i.model === v)) return undefined;
  const local = isLocalPath(v);
  return {
    kind: "custom",
    label: local ? `$(folder) ${v}` : `$(cloud-download) ${v}`,
    model: v,
    detail: local ? "Use this local folder" : "Use this Hugging Face hub id (downloaded once into the Hugging Face cache)",
  };
}

export function isLocalPath(s: string): boolean {
  return /^([~.]?[\\/]|[A-Za-z]:[\\/])/.test(s);
}
