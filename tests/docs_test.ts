// CI checks of the rendered docs and the README: the root export reads top-down (Producer first,
// no internals, no test hooks, a one-parameter constructor), the internals live in a documented
// ./internals entry, code comments cite upstream Java classes rather than files outside the
// package, and the README documents what a newcomer needs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);

interface DocSymbol {
  name: string;
  declarations: { kind: string; def?: unknown }[];
}

async function denoDoc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array): string => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function symbols(entry: string): Promise<DocSymbol[]> {
  const r = await denoDoc(["--json", entry]);
  assert.equal(r.code, 0, r.stderr);
  const nodes = JSON.parse(r.stdout).nodes as Record<string, { symbols: DocSymbol[] }>;
  const key = Object.keys(nodes).find((k) => k.endsWith(`/${entry}`));
  assert.ok(key, `no doc node for ${entry}`);
  return nodes[key].symbols;
}

const INTERNALS = [
  "createOffsetMessageId",
  "parseTopicRouteData",
  "topicRouteEquals",
  "RequestCode",
  "FrameFlag",
  "LanguageCode",
  "MQVersion",
  "SerializeType",
  "RemotingCommand",
  "WorkerPool",
  "WorkerRequest",
  "WorkerFactory",
  "TopicPublishInfo",
  "topicRouteToPublishInfo",
  "findBrokerAddressInPublish",
  "RoundRobinIndex",
  "MQFaultStrategy",
  "detectTransport",
  "ClientInstanceFactories",
];

Deno.test("deno doc mod.ts: Producer first, no internals, no test hook, one constructor parameter", async () => {
  const root = await symbols("mod.ts");
  assert.equal(root[0].name, "Producer");
  const names = new Set(root.map((s) => s.name));
  for (const internal of INTERNALS) assert.ok(!names.has(internal), `${internal} in mod.ts`);
  const rendered = JSON.stringify(root);
  assert.ok(!rendered.includes("__crash"), "a worker test hook is visible in the root docs");
  assert.ok(!rendered.includes("allowCrashJobs"), "a test hook option is visible in the root docs");
  const producer = root[0].declarations.find((d) => d.kind === "class")?.def as {
    constructors: { params: unknown[] }[];
  };
  assert.equal(producer.constructors.length, 1);
  assert.equal(
    producer.constructors[0].params.length,
    1,
    "Producer constructor takes options only",
  );
  assert.equal((await denoDoc(["--lint", "mod.ts"])).code, 0);
});

Deno.test("the ./internals entry is documented, exported and holds what left the root", async () => {
  const r = await denoDoc(["--lint", "internals.ts"]);
  assert.equal(r.code, 0, r.stderr);
  const names = new Set((await symbols("internals.ts")).map((s) => s.name));
  for (const n of ["createOffsetMessageId", "parseTopicRouteData", "RequestCode", "WorkerPool"]) {
    assert.ok(names.has(n), `${n} missing from internals.ts`);
  }
  const read = (file: string) => JSON.parse(readFileSync(new URL(file, ROOT), "utf8")).exports;
  assert.equal(read("deno.json")["./internals"], "./internals.ts");
  // npm gets the compiled entry (scripts/build-npm.mjs derives package.json's map from deno.json's)
  assert.deepEqual(read("package.json")["./internals"], {
    types: "./dist/internals.d.ts",
    default: "./dist/internals.js",
  });
});

Deno.test("code comments cite upstream Java classes, not PROTOCOL.md or ../shared/fixtures", () => {
  const offenders: string[] = [];
  const walk = (dir: URL): void => {
    for (const e of Deno.readDirSync(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) walk(url);
      else if (e.name.endsWith(".ts")) {
        const text = Deno.readTextFileSync(url);
        if (/PROTOCOL\.md|shared\/fixtures/.test(text)) offenders.push(url.pathname);
      }
    }
  };
  walk(new URL("src/", ROOT));
  walk(new URL("workers/", ROOT));
  for (const f of ["mod.ts", "internals.ts"]) {
    if (/PROTOCOL\.md|shared\/fixtures/.test(readFileSync(new URL(f, ROOT), "utf8"))) {
      offenders.push(f);
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("README documents delayTimeLevel, the testing module's path, every event, no outside files", async () => {
  const readme = readFileSync(new URL("README.md", ROOT), "utf8");
  assert.match(readme, /`delayTimeLevel` 1\.\.18/);
  assert.match(readme, /Level 19 and above is refused with a `ValidationError`/);
  assert.match(readme, /`@rocketmq-edge\/client\/testing`/);
  assert.match(readme, /`@rocketmq-edge\/client\/internals`/);
  const { EventName } = await import("../mod.ts");
  for (const [constant, name] of Object.entries(EventName)) {
    assert.ok(readme.includes(`| \`${name}\` (\`${constant}\`)`), `README lacks event ${name}`);
  }
  assert.ok(
    !/PROTOCOL\.md|\.\.\/shared\/fixtures/.test(readme),
    "README cites files outside the repo",
  );
});
