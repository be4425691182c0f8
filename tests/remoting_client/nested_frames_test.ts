/**
 * A sink that runs code which handles another response frame (here: a transport that answers
 * synchronously, from inside the write of a request the sink makes) still reads its own scanned
 * header afterwards: every frame being handled has a scanner of its own.
 */
import assert from "node:assert/strict";
import { RemotingClient } from "../../src/remoting/client.ts";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";
import {
  FieldNames,
  PendingRequest,
  type ScannedResponse,
} from "../../src/remoting/pending-request.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import type {
  ConnectOptions,
  RawSocket,
  SocketHandlers,
  Transport,
} from "../../src/transport/types.ts";

/** Answers every request frame synchronously, inside `write`, echoing its `tag` field. */
class EchoNow implements RawSocket {
  readonly #handlers: SocketHandlers;
  constructor(handlers: SocketHandlers) {
    this.#handlers = handlers;
  }
  write(data: Uint8Array): undefined {
    for (let p = 0; p < data.length;) {
      const length = 4 + new DataView(data.buffer, data.byteOffset + p).getInt32(0);
      const request = decodeFrame(data.slice(p, p + length));
      p += length;
      const answer = encodeFrame({
        code: 0,
        language: 0,
        version: 0,
        opaque: request.opaque,
        flag: 1,
        extFields: { tag: request.extFields?.tag ?? "" },
        serializeType: 0,
      }, { jsonStyle: "server" });
      this.#handlers.onData(answer);
    }
    return undefined;
  }
  close(): void {
    queueMicrotask(() => this.#handlers.onClose(undefined));
  }
}

const transport: Transport = {
  name: "echo-now",
  connect(_o: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    return Promise.resolve(new EchoNow(handlers));
  },
};

const TAG = new FieldNames(["tag"]);

function tagOf(t: ScannedResponse): string {
  const at = new Int32Array(1);
  t.locate(TAG, at);
  return at[0] < 0 ? "" : t.value(at[0]);
}

/** Reads its tag, makes a request answered inside that call, then reads its tag again. */
class Nested extends PendingRequest {
  readonly seen: string[] = [];
  readonly #then: (() => void) | undefined;
  constructor(then?: () => void) {
    super();
    this.#then = then;
  }
  override onTokens(t: ScannedResponse, _body: Uint8Array | undefined): void {
    this.seen.push(tagOf(t));
    this.#then?.();
    this.seen.push(tagOf(t));
  }
  onResponse(response: RemotingCommand): void {
    this.seen.push(`decoded ${response.extFields?.tag}`);
  }
  onError(error: Error): void {
    this.seen.push(error.message);
  }
}

Deno.test("a sink's scanned header stays its own while another frame is handled inside it", async () => {
  const client = new RemotingClient({ transport });
  try {
    const address = "127.0.0.1:1";
    const warm = await client.invoke(address, {
      code: 310,
      language: 0,
      version: 0,
      opaque: 0,
      flag: 0,
      extFields: { tag: "W" },
      serializeType: 0,
    }, 3000);
    assert.equal(warm.extFields?.tag, "W");
    const inner = new Nested();
    // 16 KiB: over the connection's early-flush size, so the inner request is written (and
    // answered by the transport) synchronously, while the outer frame is still being handled.
    const big = new Uint8Array(16 * 1024);
    const outer = new Nested(() =>
      client.invokeJsonTo(address, 310, 0, 0, '{"tag":"B"}', big, 3000, undefined, inner)
    );
    client.invokeJsonTo(address, 310, 0, 0, '{"tag":"A"}', big, 3000, undefined, outer);
    assert.deepEqual(inner.seen, ["B", "B"], "the inner frame was handled inside the outer");
    assert.deepEqual(outer.seen, ["A", "A"], "the outer sink still reads its own header");
  } finally {
    await client.close();
  }
});
