// `await using cluster = await startCluster()` type-checks (no TS2851) and closes every server at
// the end of the scope: the name server's and the brokers' ports refuse connections afterwards.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startCluster } from "../../src/testing/mod.ts";

function refused(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), address.split(":").pop()];
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

Deno.test("startCluster result is AsyncDisposable: await using closes it", async () => {
  const addresses: string[] = [];
  {
    await using cluster = await startCluster({ brokers: 2, topics: [{ name: "Disposed" }] });
    addresses.push(cluster.namesrvAddr, ...cluster.brokers.map((b) => b.address));
    assert.equal(await refused(cluster.namesrvAddr), false);
  }
  assert.equal(addresses.length, 3);
  for (const a of addresses) assert.equal(await refused(a), true, `${a} still listening`);
});

Deno.test("close() then dispose is harmless (idempotent)", async () => {
  const cluster = await startCluster({ brokers: 1 });
  await cluster.close();
  await cluster[Symbol.asyncDispose]();
  assert.equal(await refused(cluster.namesrvAddr), true);
});
