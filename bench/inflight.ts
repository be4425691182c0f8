/**
 * Heap bytes held per send in flight, by object kind: our {@link Producer} against a one-broker
 * embedded cluster in another process. After a warm-up, a heap snapshot is written, `--sends`
 * sends are started without awaiting them (none can be answered before the next snapshot: the
 * answers need the event loop), a second snapshot is written, and the difference per send is
 * printed by V8 object kind (constructor name, closures, strings, heap numbers).
 *
 * This is what every scavenge has to copy while sends are in flight: at C=64, 64 times this
 * figure survives each scavenge, and V8 grows its young generation once the surviving bytes add
 * up to its size (the C=64 RSS growth over 1 M sends in the README).
 *
 * Flags: `--sends N` (default 2000), `--top K` (25), `--holders KIND` (also print, per send in
 * flight, which object kind and field refer to objects of KIND, e.g. `"number:heap number"`).
 *
 * ```sh
 * npx -y node@22 bench/inflight.ts
 * ```
 *
 * @module
 */

import process from "node:process";
import v8 from "node:v8";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Producer } from "../mod.ts";
import { spawnCluster } from "./_cluster_process.ts";

interface Options {
  sends: number;
  top: number;
  holders: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { sends: 2000, top: 25, holders: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--holders") {
      o.holders = argv[++i];
      continue;
    }
    const value = Number(argv[i + 1]);
    if (argv[i] === "--sends") o.sends = value;
    else if (argv[i] === "--top") o.top = value;
    else throw new Error(`unknown flag ${argv[i]}`);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${argv[i]} needs a positive integer`);
    }
    i++;
  }
  return o;
}

/** Object kinds of a heap snapshot: self bytes and count per kind (`holders`: see the flag). */
function kinds(
  file: string,
  holders: string | undefined,
): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const nodes: number[] = snap.nodes;
  const strings: string[] = snap.strings;
  const width = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const kindOf = (i: number): string => {
    const type = types[nodes[i + iType]];
    // Strings are named by their text: group them by type only.
    return type.endsWith("string") ? type : `${type}:${strings[nodes[i + iName]]}`;
  };
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < nodes.length; i += width) {
    const kind = kindOf(i);
    const entry = out.get(kind) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i + iSize];
    entry.count++;
    out.set(kind, entry);
  }
  if (holders === undefined) return out;
  // Edges are stored per node in node order: `edge_count` of them each.
  const edgeFields: string[] = snap.snapshot.meta.edge_fields;
  const edgeTypes: string[] = snap.snapshot.meta.edge_types[0];
  const edges: number[] = snap.edges;
  const eWidth = edgeFields.length;
  const iCount = fields.indexOf("edge_count");
  const iEType = edgeFields.indexOf("type");
  const iEName = edgeFields.indexOf("name_or_index");
  const iTo = edgeFields.indexOf("to_node");
  let e = 0;
  for (let i = 0; i < nodes.length; i += width) {
    for (let n = nodes[i + iCount]; n > 0; n--, e += eWidth) {
      const to = edges[e + iTo];
      if (kindOf(to) !== holders) continue;
      const edgeType = edgeTypes[edges[e + iEType]];
      const name = edgeType === "element" || edgeType === "hidden"
        ? `[${edgeType}]`
        : strings[edges[e + iEName]];
      const key = `  held by ${kindOf(i)} .${name}`;
      const entry = out.get(key) ?? { bytes: 0, count: 0 };
      entry.count++;
      out.set(key, entry);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "inflight-"));
  const cluster = await spawnCluster(["--brokers", "1", "--max-stored", "1000"]);
  const producer = new Producer({ group: "bench_inflight", nameServer: cluster.namesrvAddr });
  const topic = "BenchTopic";
  const body = new Uint8Array(1024).fill(0x61);
  try {
    await producer.start();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next++ < 20_000) await producer.send({ topic, body, tags: "bench" });
    };
    await Promise.all(Array.from({ length: 64 }, worker)); // warm-up: JIT, route, connections
    const before = v8.writeHeapSnapshot(join(dir, "before.heapsnapshot"));
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < o.sends; i++) sends.push(producer.send({ topic, body, tags: "bench" }));
    const during = v8.writeHeapSnapshot(join(dir, "during.heapsnapshot"));
    await Promise.all(sends);
    const a = kinds(before, o.holders);
    const b = kinds(during, o.holders);
    const rows: [string, number, number][] = [];
    let total = 0;
    for (const [kind, { bytes, count }] of b) {
      const base = a.get(kind) ?? { bytes: 0, count: 0 };
      total += bytes - base.bytes;
      rows.push([kind, (bytes - base.bytes) / o.sends, (count - base.count) / o.sends]);
    }
    rows.sort((x, y) => y[1] - x[1]);
    console.log(`# inflight: ${o.sends} sends of 1 KiB started, none answered yet`);
    console.log(`heap bytes per send in flight: ${(total / o.sends).toFixed(0)}`);
    console.log("  bytes  objects  kind");
    const held = rows.filter(([kind]) => kind.startsWith("  held by"));
    for (const [kind, bytes, count] of rows.filter((r) => !held.includes(r)).slice(0, o.top)) {
      if (Math.abs(bytes) < 1) continue;
      console.log(`${bytes.toFixed(0).padStart(7)}  ${count.toFixed(2).padStart(7)}  ${kind}`);
    }
    if (o.holders !== undefined) console.log(`references to ${o.holders}, per send:`);
    for (const [kind, , count] of held.sort((x, y) => y[2] - x[2])) {
      if (Math.abs(count) >= 0.05) console.log(`${count.toFixed(2).padStart(16)}${kind}`);
    }
  } finally {
    await producer.shutdown();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
