import assert from "node:assert/strict";
import { stored, withRelay } from "./_helpers.ts";

const PATH = "/v1/topics/RelayTopic/messages";
const enc = new TextEncoder();

/** Read NDJSON lines from a response as they arrive. */
async function* responseLines(res: Response): AsyncGenerator<Record<string, unknown>> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += value;
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      yield JSON.parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
    }
  }
  assert.equal(pending, "");
}

Deno.test("relay: NDJSON answers one line per message, in order, failures in place", async () => {
  await withRelay(async ({ call, cluster }) => {
    const lines = [
      JSON.stringify({ id: "a", body: "one", tags: "T" }),
      "",
      "not json",
      JSON.stringify({ body: "" }),
      JSON.stringify({ body: "four", shardingKey: "k" }),
      ...Array.from({ length: 40 }, (_, i) => JSON.stringify({ body: `n${i}` })),
    ];
    const res = await call(PATH, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines.join("\n") + "\n",
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /application\/x-ndjson/);
    const out: Record<string, unknown>[] = [];
    for await (const l of responseLines(res)) out.push(l);
    assert.equal(out.length, 44);
    assert.deepEqual(out.slice(0, 4).map((l) => [l.line, l.id, l.ok]), [
      [1, "a", true],
      [3, 1, false],
      [4, 2, false],
      [5, 3, true],
    ]);
    assert.equal(out[1].error_code, "VALIDATION");
    assert.equal(out[2].error_code, "VALIDATION");
    assert.deepEqual(out.slice(4).map((l) => l.id), Array.from({ length: 40 }, (_, i) => i + 4));
    assert.ok(out.slice(4).every((l) => l.ok === true));
    assert.equal(stored(cluster, "RelayTopic").length, 42);
  });
});

Deno.test("relay: the first NDJSON answer arrives before the request body is finished", async () => {
  await withRelay(async ({ call, cluster }) => {
    let finishBody!: () => void;
    const bodyMayEnd = new Promise<void>((r) => (finishBody = r));
    let bodyEnded = false;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(enc.encode(JSON.stringify({ id: "first", body: "1" }) + "\n"));
        await bodyMayEnd; // held open until the first answer line was read
        controller.enqueue(enc.encode(JSON.stringify({ id: "second", body: "2" }) + "\n"));
        bodyEnded = true;
        controller.close();
      },
    });
    const res = await call(PATH, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
      duplex: "half",
    } as RequestInit);
    const lines = responseLines(res);
    const first = await lines.next();
    assert.equal(bodyEnded, false);
    assert.equal(first.value!.id, "first");
    assert.equal(first.value!.ok, true);
    assert.equal(stored(cluster, "RelayTopic").length, 1);
    finishBody();
    const second = await lines.next();
    assert.equal(second.value!.id, "second");
    assert.equal((await lines.next()).done, true);
  });
});

Deno.test("relay: an NDJSON stream over the line limit ends with a 413 line", async () => {
  await withRelay(async ({ call, cluster }) => {
    const body = Array.from({ length: 5 }, (_, i) => JSON.stringify({ body: `m${i}` })).join("\n");
    const res = await call(PATH, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    const out: Record<string, unknown>[] = [];
    for await (const l of responseLines(res)) out.push(l);
    assert.equal(out.length, 4);
    assert.ok(out.slice(0, 3).every((l) => l.ok === true));
    assert.equal(out[3].ok, false);
    assert.equal(out[3].error_code, "PAYLOAD_TOO_LARGE");
    assert.equal(out[3].line, undefined);
    assert.equal(stored(cluster, "RelayTopic").length, 3);
  }, { relay: { limits: { maxEntries: 3 } } });
});

Deno.test("relay: an NDJSON body whose Content-Length is over the limit is a plain 413", async () => {
  await withRelay(async ({ call, cluster }) => {
    const body = Array.from({ length: 50 }, (_, i) => JSON.stringify({ body: `m${i}` })).join("\n");
    const res = await call(PATH, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error_code, "PAYLOAD_TOO_LARGE");
    assert.equal(stored(cluster, "RelayTopic").length, 0);
  }, { relay: { limits: { maxRequestBytes: 100 } } });
});
