/**
 * relayConfigFromEnv: the relay's variables (the Worker's env bindings), each refusal naming the
 * variable and the rule.
 */

import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import { relayConfigFromEnv } from "../../src/relay/env.ts";

const NS = { ROCKETMQ_NAMESRV: "10.0.0.1:9876;10.0.0.2:9876" };

Deno.test("relay env: every variable reaches the options", () => {
  const c = relayConfigFromEnv({
    ...NS,
    RELAY_TOKENS: " a, b ,,c ",
    RELAY_ALIYUN_KEYS: "AK1:SK1,AK2:S:K2",
    RELAY_GROUP: "edge_relay",
    RELAY_SEND_TIMEOUT_MS: "1500",
    RELAY_MAX_REQUEST_BYTES: "1024",
    RELAY_MAX_ENTRIES: "10",
    RELAY_MAX_INFLIGHT_MESSAGES: "100",
    RELAY_MAX_INFLIGHT_BYTES: "4096",
    RELAY_LOG_LEVEL: "error",
  });
  assert.equal(c.nameServer, NS.ROCKETMQ_NAMESRV);
  assert.equal(c.group, "edge_relay");
  assert.deepEqual(c.options.auth, { tokens: ["a", "b", "c"] });
  assert.deepEqual(c.options.aliyunKeys, { AK1: "SK1", AK2: "S:K2" });
  assert.equal(c.options.sendTimeoutMs, 1500);
  assert.deepEqual(c.options.limits, {
    maxRequestBytes: 1024,
    maxEntries: 10,
    maxInFlightMessages: 100,
    maxInFlightBytes: 4096,
  });
  assert.equal(c.options.logger?.enabled("error"), true);
  assert.equal(c.options.logger?.enabled("warn"), false);
});

Deno.test("relay env: defaults, and auth off only when asked for", () => {
  const c = relayConfigFromEnv({ ...NS, RELAY_NO_AUTH: "true", RELAY_TOKENS: "" });
  assert.equal(c.group, "relay_producer");
  assert.equal(c.options.auth, false);
  assert.equal(c.options.limits, undefined);
  assert.equal(c.options.aliyunKeys, undefined);
  assert.equal(c.options.logger?.enabled("warn"), true);
  assert.equal(c.options.logger?.enabled("info"), false);
});

Deno.test("relay env: refusals name the variable", () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ RELAY_TOKENS: "t" }, "ROCKETMQ_NAMESRV", /required/],
    [{ ...NS }, "RELAY_TOKENS", /RELAY_NO_AUTH=true/],
    [{ ...NS, RELAY_NO_AUTH: "yes" }, "RELAY_NO_AUTH", /"true" or "false"/],
    [{ ...NS, RELAY_NO_AUTH: "true", RELAY_TOKENS: "t" }, "RELAY_NO_AUTH", /RELAY_TOKENS/],
    [{ ...NS, RELAY_TOKENS: "t", RELAY_ALIYUN_KEYS: "AK1" }, "RELAY_ALIYUN_KEYS", /AK:SK/],
    [{ ...NS, RELAY_TOKENS: "t", RELAY_ALIYUN_KEYS: ":SK" }, "RELAY_ALIYUN_KEYS", /AK:SK/],
    [{ ...NS, RELAY_TOKENS: "t", RELAY_MAX_ENTRIES: "0" }, "RELAY_MAX_ENTRIES", /positive/],
    [{ ...NS, RELAY_TOKENS: "t", RELAY_MAX_ENTRIES: "1e3" }, "RELAY_MAX_ENTRIES", /positive/],
    [
      { ...NS, RELAY_TOKENS: "t", RELAY_SEND_TIMEOUT_MS: "-5" },
      "RELAY_SEND_TIMEOUT_MS",
      /positive/,
    ],
    [{ ...NS, RELAY_TOKENS: "t", RELAY_LOG_LEVEL: "loud" }, "RELAY_LOG_LEVEL", /one of/],
    [{ ...NS, RELAY_TOKENS: 42 }, "RELAY_TOKENS", /string/],
  ];
  for (const [env, field, rule] of cases) {
    assert.throws(() => relayConfigFromEnv(env), (e: unknown) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.equal(e.field, field);
      assert.match(e.rule, rule);
      return true;
    });
  }
});
