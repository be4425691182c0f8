// The README's ```ts examples, extracted and run so they cannot rot: imports of
// "@rocketmq-edge/client[/testing|/internals]" point at this checkout, the name server
// 127.0.0.1:9876 becomes an embedded cluster's, and each block runs as its own process under Deno,
// Bun and Node 22 — except blocks whose first line is "// Deno and Bun only" (`await using`, which
// Node 22 lacks), and blocks whose first line is "// Type-checked only" (servers that run until a
// signal), which `deno check` type-checks instead. A block must exit 0 on its own (no hang, no
// unhandled error).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startCluster } from "../src/testing/mod.ts";

const ROOT = new URL("../", import.meta.url);
/** deno.json `exports`: package subpath → source file, to point README imports at this checkout. */
const EXPORTS: Record<string, string> = JSON.parse(
  readFileSync(new URL("deno.json", ROOT), "utf8"),
).exports;
const EXAMPLE_TIMEOUT_MS = 60_000;

interface Block {
  /** Line of the opening fence (1-based), to name the block in failures. */
  line: number;
  code: string;
}

/** Every ```ts block of a markdown text. */
export function extractTsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i].trim() !== "```"; i++) body.push(lines[i]);
    blocks.push({ line: start + 1, code: body.join("\n") + "\n" });
  }
  return blocks;
}

function rewrite(code: string, namesrvAddr: string): string {
  const at = (path: string): string => new URL(path, ROOT).href;
  return code
    .replaceAll(
      /"@rocketmq-edge\/client(\/[a-z/]+)?"/g,
      (spec, sub: string | undefined) => {
        const source = EXPORTS[`.${sub ?? ""}`];
        return source === undefined ? spec : JSON.stringify(at(source));
      },
    )
    .replaceAll("127.0.0.1:9876", namesrvAddr);
}

type Runtime = "deno" | "bun" | "node";

function command(runtime: Runtime, file: string): [string, string[]] {
  const config = new URL("deno.json", ROOT).pathname;
  if (runtime === "deno") return [Deno.execPath(), ["run", "-A", "--config", config, file]];
  if (runtime === "bun") return ["npx", ["-y", "bun@1.4.5", file]];
  return ["npx", ["-y", "node@22", file]];
}

async function run(runtime: Runtime, file: string): Promise<{ code: number; output: string }> {
  const [cmd, args] = command(runtime, file);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), EXAMPLE_TIMEOUT_MS);
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      signal: ac.signal,
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { code: out.code, output: text };
  } finally {
    clearTimeout(timer);
  }
}

const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const blocks = extractTsBlocks(readme);

Deno.test("README: the ts blocks are found (usage, await using, events, logging, testing)", () => {
  assert.ok(blocks.length >= 5, `only ${blocks.length} ts blocks`);
  assert.ok(blocks.some((b) => b.code.startsWith("// Deno and Bun only\n")));
  assert.ok(blocks.some((b) => b.code.includes("} finally {") && b.code.includes("shutdown()")));
});

for (const block of blocks) {
  // A block claims every runtime unless its first line says otherwise: one with `await using`
  // and no such line is run under Node 22 too, and fails there, as it would for a reader.
  if (block.code.startsWith("// Type-checked only")) {
    Deno.test(`README example at line ${block.line} type-checks`, async () => {
      const dir = await Deno.makeTempDir({ prefix: "readme_example_" });
      try {
        const file = `${dir}/example_${block.line}.ts`;
        await Deno.writeTextFile(file, rewrite(block.code, "127.0.0.1:9876"));
        const config = new URL("deno.json", ROOT).pathname;
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["check", "--config", config, file],
          cwd: ROOT,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, `README line ${block.line}:\n${text}`);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
    continue;
  }
  const runtimes: Runtime[] = block.code.startsWith("// Deno and Bun only")
    ? ["deno", "bun"]
    : ["deno", "bun", "node"];
  Deno.test(`README example at line ${block.line} runs under ${runtimes.join(", ")}`, async () => {
    await using cluster = await startCluster({ brokers: 2, topics: [{ name: "Orders" }] });
    const dir = await Deno.makeTempDir({ prefix: "readme_example_" });
    try {
      const file = `${dir}/example_${block.line}.mts`;
      await Deno.writeTextFile(file, rewrite(block.code, cluster.namesrvAddr));
      for (const runtime of runtimes) {
        const r = await run(runtime, file);
        assert.equal(r.code, 0, `${runtime}, README line ${block.line}:\n${r.output}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
