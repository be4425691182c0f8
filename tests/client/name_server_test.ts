import assert from "node:assert/strict";
import { NameServerList } from "../../src/client/name-server.ts";
import type { RemotingLike } from "../../src/client/types.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { ConnectionError, TimeoutError } from "../../src/errors.ts";
import { withoutNamespace, wrapNamespace } from "../../src/client/namespace.ts";
import { buildClientId } from "../../src/client/manager.ts";
import { ClientInstance } from "../../src/client/client-instance.ts";
import { createDefaultCodec, createInlineCodec } from "../../src/client/_codec.ts";
import { FIXTURE_DIR } from "../fixtures.ts";

function fakeRemoting(dead: Set<string>, log: string[]): RemotingLike {
  return {
    invoke(address: string, request: RemotingCommand): Promise<RemotingCommand> {
      log.push(address);
      if (dead.has(address)) {
        return Promise.reject(
          address.endsWith(":2")
            ? new TimeoutError("no answer", 10)
            : new ConnectionError(address, "refused"),
        );
      }
      return Promise.resolve({ ...request, code: 0, flag: 1 });
    },
    invokeOneway: () => Promise.resolve(),
    closeConnection: (a) => log.push(`close ${a}`),
    close: () => Promise.resolve(),
  };
}

const REQ: RemotingCommand = {
  code: 105,
  language: 7,
  version: 401,
  opaque: 0,
  flag: 0,
  serializeType: 0,
};

Deno.test("name-server list: rotates past dead addresses and sticks to the live one", async () => {
  const log: string[] = [];
  const failovers: [string, string | undefined][] = [];
  const list = new NameServerList(
    fakeRemoting(new Set(["h:1", "h:2"]), log),
    ["h:1", "h:2", "h:3"],
    (from, to) => failovers.push([from, to]),
    0,
  );
  assert.equal((await list.invoke(REQ, 100)).code, 0);
  assert.deepEqual(log, ["h:1", "close h:1", "h:2", "close h:2", "h:3"]);
  assert.deepEqual(failovers, [["h:1", "h:2"], ["h:2", "h:3"]]);
  assert.equal(list.chosen, "h:3");
  log.length = 0;
  await list.invoke(REQ, 100);
  assert.deepEqual(log, ["h:3"]);
});

Deno.test("name-server list: all dead → last transport error; empty → ConnectionError", async () => {
  const list = new NameServerList(
    fakeRemoting(new Set(["h:1", "h:2"]), []),
    ["h:1", "h:2"],
    () => {},
    1,
  );
  await assert.rejects(list.invoke(REQ, 100), ConnectionError);
  const empty = new NameServerList(fakeRemoting(new Set(), []), [], () => {});
  await assert.rejects(empty.invoke(REQ, 100), ConnectionError);
  assert.equal(empty.update(["h:9"]), true);
  assert.equal(empty.update(["h:9"]), false);
  assert.equal((await empty.invoke(REQ, 100)).code, 0);
});

Deno.test("namespace wrapping follows Java NamespaceUtil", () => {
  assert.equal(wrapNamespace("ns", "T"), "ns%T");
  assert.equal(wrapNamespace("ns", "ns%T"), "ns%T");
  assert.equal(wrapNamespace("ns", "%RETRY%G"), "%RETRY%ns%G");
  assert.equal(wrapNamespace("ns", "TBW102"), "TBW102");
  assert.equal(wrapNamespace(undefined, "T"), "T");
  assert.equal(withoutNamespace("ns", "ns%T"), "T");
  assert.equal(withoutNamespace("ns", "%RETRY%ns%G"), "%RETRY%G");
  assert.equal(withoutNamespace("ns", "other%T"), "other%T");
});

Deno.test("clientId is ip@instance[@unit]", () => {
  assert.equal(buildClientId("10.0.0.5", "123#456"), "10.0.0.5@123#456");
  assert.equal(buildClientId("10.0.0.5", "i", "u"), "10.0.0.5@i@u");
});

Deno.test("heartbeat body has the fixture's shape, plus the inner producer group", async () => {
  const instance = new ClientInstance({
    clientId: "127.0.0.1@fixture#1",
    clientIP: "127.0.0.1",
    nameServer: ["h:1"],
    addressServerUrl: undefined,
    addressServerPollIntervalMs: 1000,
    pollNameServerIntervalMs: 1000,
    heartbeatIntervalMs: 1000,
    serializeType: 0,
    remoting: fakeRemoting(new Set(), []),
    codec: createInlineCodec(),
    pid: 1,
  });
  instance.registerProducer("fixture_group", {
    publishTopics: () => [],
    isPublishTopicNeedUpdate: () => false,
    updateTopicPublishInfo: () => {},
    emit: () => {},
  });
  assert.equal(
    new TextDecoder().decode(instance.heartbeatBody()),
    '{"clientID":"127.0.0.1@fixture#1","consumerDataSet":[],"producerDataSet":[{"groupName":"fixture_group"},{"groupName":"CLIENT_INNER_PRODUCER"}]}',
  );
  instance.brokerAddrTable.set("broker-a", { "0": "h:10911", "1": "h:10921" });
  await instance.sendHeartbeatToAllBroker();
  assert.equal(instance.findBrokerVersion("broker-a", "h:10911"), 401);
  assert.equal(instance.findBrokerVersion("broker-a", "h:10921"), 0); // slaves get no heartbeat
  assert.equal(instance.heartbeatRounds, 1);
  const req = instance.request(34, {});
  assert.equal(req.language, 7);
  assert.equal(req.version, 401);
  assert.deepEqual(req.extFields, {});
});

Deno.test("default codec: one shared pool, closed with the last handle", async () => {
  const a = createDefaultCodec();
  const b = createDefaultCodec();
  await a.close();
  await a.close(); // idempotent: does not release b's reference
  const z = await b.compress(new Uint8Array(100), 5);
  assert.equal(z[0], 0x78); // zlib header
  await b.close();
});

Deno.test("route lookup: standard JSON asked for, fastjson quirks parsed, 17 → undefined, TBW102 rewrite", async () => {
  const quirk = JSON.parse(
    await Deno.readTextFile(
      new URL("route-quirk-v399.json", FIXTURE_DIR),
    ),
  );
  const body = new TextEncoder().encode(quirk.exchanges[0].response.bodyText);
  const seen: RemotingCommand[] = [];
  const remoting: RemotingLike = {
    invoke(_address, request) {
      seen.push(structuredClone(request));
      const topic = request.extFields!.topic;
      return Promise.resolve(
        topic === "Missing"
          ? { ...request, code: 17, flag: 1, remark: "No topic route info", extFields: undefined }
          : { ...request, code: 0, flag: 1, extFields: undefined, body },
      );
    },
    invokeOneway: () => Promise.resolve(),
    closeConnection: () => {},
    close: () => Promise.resolve(),
  };
  const instance = new ClientInstance({
    clientId: "c",
    clientIP: "127.0.0.1",
    nameServer: ["h:1"],
    addressServerUrl: undefined,
    addressServerPollIntervalMs: 1000,
    pollNameServerIntervalMs: 1000,
    heartbeatIntervalMs: 1000,
    serializeType: 0,
    remoting,
    codec: createInlineCodec(),
    pid: 1,
  });
  const route = await instance.getTopicRouteInfoFromNameServer("FixtureTopic");
  assert.equal(seen[0].code, 105);
  assert.equal(seen[0].version, 401);
  assert.equal(seen[0].language, 7);
  assert.deepEqual(seen[0].extFields, { topic: "FixtureTopic", acceptStandardJsonOnly: "true" });
  assert.equal(
    route?.brokerDatas.find((b) => b.brokerName === "broker-a")?.brokerAddrs["0"],
    "127.0.0.1:10911",
  );
  assert.equal(await instance.getTopicRouteInfoFromNameServer("Missing"), undefined);
  const updates: string[] = [];
  instance.registerProducer("g", {
    publishTopics: () => ["NewTopic"],
    isPublishTopicNeedUpdate: () => true,
    updateTopicPublishInfo: (topic, info) =>
      updates.push(`${topic}:${info.messageQueueList.length}:${info.haveTopicRouterInfo}`),
    emit: () => {},
  });
  assert.equal(
    await instance.updateTopicRouteInfoFromNameServer("NewTopic", true, "TBW102", 2),
    true,
  );
  assert.deepEqual(updates, ["NewTopic:4:true"]); // 2 queues on each of the 2 brokers
  assert.equal(seen.at(-1)!.extFields!.topic, "TBW102");
  assert.equal(instance.findBrokerAddressInPublish("broker-b"), "127.0.0.1:20911");
});
