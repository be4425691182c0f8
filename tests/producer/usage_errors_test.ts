// Errors that say what to do: a route lookup on a dead name server, a send before start() or
// after shutdown(), sendAsync without a callback, a selector that throws.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import {
  createLogger,
  Producer,
  RouteNotFoundError,
  SelectorError,
  StateError,
  ValidationError,
} from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

const silent = createLogger({ level: "silent" });

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

Deno.test("RouteNotFoundError on a refusing name server says why and to check nameServer", async () => {
  const nameServer = `127.0.0.1:${await closedPort()}`;
  const producer = new Producer({ nameServer, group: "dead_ns", logger: silent });
  await producer.start();
  try {
    const e = await producer.send({ topic: "Orders", body: "x" }).then(() => null, (e) => e);
    assert.ok(e instanceof RouteNotFoundError, String(e));
    assert.match(e.message, /^No route info of this topic: Orders: the name-server lookup failed/);
    assert.match(e.message, /check nameServer/);
    // the cause's own text is in the message, not only in .cause
    const cause = e.cause as Error;
    assert.ok(cause instanceof Error);
    assert.ok(e.message.includes(cause.message), `${e.message} lacks ${cause.message}`);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("RouteNotFoundError for an unknown topic without auto-create says to create it", async () => {
  await using cluster = await startCluster({ brokers: 1, autoCreateTopicEnable: false });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "no_topic",
    logger: silent,
  });
  await producer.start();
  try {
    const e = await producer.send({ topic: "Missing", body: "x" }).then(() => null, (e) => e);
    assert.ok(e instanceof RouteNotFoundError, String(e));
    assert.match(e.message, /create the topic/);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("StateError before start() says to call start(); after shutdown() says so", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "StateT" }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "state_g" });
  await assert.rejects(producer.send({ topic: "StateT", body: "x" }), (e) => {
    assert.ok(e instanceof StateError);
    assert.match(e.message, /call start\(\) first/);
    return true;
  });
  await assert.rejects(producer.fetchPublishMessageQueues("StateT"), /call start\(\) first/);
  await producer.start();
  await producer.shutdown();
  await assert.rejects(producer.sendOneway({ topic: "StateT", body: "x" }), (e) => {
    assert.ok(e instanceof StateError);
    assert.match(e.message, /shut down; create a new producer/);
    return true;
  });
});

Deno.test("sendAsync without callbacks is refused with a ValidationError naming callback", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "AsyncT" }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "async_cb" });
  await producer.start();
  try {
    for (const bad of [undefined, null, {}, { onSuccess: () => {} }, { onException: 1 }]) {
      assert.throws(
        // deno-lint-ignore no-explicit-any
        () => producer.sendAsync({ topic: "AsyncT", body: "x" }, bad as any),
        (e) => e instanceof ValidationError && e.field === "callback",
      );
    }
    assert.equal(cluster.broker("broker-a").messages("AsyncT").length, 0);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("a throwing selector surfaces a SelectorError naming it, the user's error as cause", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "SelT" }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "sel_g" });
  await producer.start();
  try {
    const bug = new TypeError("orderId is undefined");
    const byOrder = (): never => {
      throw bug;
    };
    const e = await producer.send({ topic: "SelT", body: "x" }, { selector: byOrder, arg: 1 })
      .then(() => null, (e) => e);
    assert.ok(e instanceof SelectorError, String(e));
    assert.equal(e.code, "SELECTOR");
    assert.equal(e.selector, '"byOrder"');
    assert.equal(e.cause, bug);
    assert.match(e.message, /selector "byOrder" threw: orderId is undefined/);
    // the async callback gets the same typed error
    const viaCallback = await new Promise<Error>((resolve) => {
      producer.sendAsync({ topic: "SelT", body: "x" }, {
        onSuccess: () => resolve(new Error("unexpected success")),
        onException: resolve,
      }, { selector: byOrder });
    });
    assert.ok(viaCallback instanceof SelectorError);
    assert.equal(cluster.broker("broker-a").messages("SelT").length, 0);
  } finally {
    await producer.shutdown();
  }
});
