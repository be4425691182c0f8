import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import {
  checkBatchMessage,
  checkBody,
  checkDelayTimeLevel,
  checkFlag,
  checkGroup,
  checkIntegerOption,
  checkKeys,
  checkProperties,
  checkPropertyText,
  checkTopic,
  isSystemTopic,
  NOT_ALLOWED_SEND_TOPICS,
  SYSTEM_TOPICS,
} from "../../src/producer/validation.ts";

/** Assert that `fn` throws a ValidationError with this field and rule. */
function rejects(fn: () => unknown, field: string, rule: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.field, field);
    if (typeof rule === "string") assert.equal(e.rule, rule);
    else assert.match(e.rule, rule);
    return true;
  });
}

Deno.test("checkTopic: blank, length, charset, not-allowed topics", () => {
  for (
    const ok of ["FixtureTopic", "a", "%DLQ%group", "a|b", "A-b_9", "x".repeat(127)]
  ) {
    checkTopic(ok);
  }
  rejects(() => checkTopic(""), "topic", "must not be blank");
  rejects(() => checkTopic("   "), "topic", "must not be blank");
  rejects(() => checkTopic(undefined), "topic", "must be a string, got undefined");
  rejects(() => checkTopic("x".repeat(130)), "topic", "must be at most 127 characters, got 130");
  for (const bad of ["a b", "a.b", "a/b", "tópico", "a\u0001", "a:b"]) {
    rejects(() => checkTopic(bad), "topic", "must match ^[%|a-zA-Z0-9_-]+$");
  }
  for (const t of NOT_ALLOWED_SEND_TOPICS) {
    rejects(() => checkTopic(t), "topic", `must not be a system topic closed to sending (${t})`);
  }
  rejects(() => checkTopic("a b", "messages[2].topic"), "messages[2].topic", /must match/);
  // Past Java's client check (issue 15): the template, rmq_sys_ and retry topics.
  rejects(() => checkTopic("TBW102"), "topic", "must not be a system topic (TBW102)");
  rejects(() => checkTopic("rmq_sys_x"), "topic", "must not be a system topic (rmq_sys_x)");
  rejects(() => checkTopic("%RETRY%group"), "topic", /retry topic/);
});

Deno.test("system and not-allowed topic sets (4.9)", () => {
  assert.deepEqual([...NOT_ALLOWED_SEND_TOPICS].sort(), [
    "OFFSET_MOVED_EVENT",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "SCHEDULE_TOPIC_XXXX",
    "SCHEDULE_TOPIC_XXXX_V2",
    "SELF_TEST_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
  ]);
  for (const t of ["TBW102", "BenchmarkTest", "RMQ_SYS_TRACE_TOPIC", "SCHEDULE_TOPIC_XXXX"]) {
    assert.ok(SYSTEM_TOPICS.has(t) && isSystemTopic(t), t);
  }
  assert.ok(isSystemTopic("rmq_sys_anything"));
  assert.ok(!isSystemTopic("FixtureTopic"));
});

Deno.test("checkGroup: blank, ≤ 255, charset; field 'group'", () => {
  checkGroup("fixture_group");
  checkGroup("g".repeat(255));
  rejects(() => checkGroup(""), "group", "must not be blank");
  rejects(() => checkGroup("g".repeat(256)), "group", "must be at most 255 characters, got 256");
  rejects(() => checkGroup("my group"), "group", "must match ^[%|a-zA-Z0-9_-]+$");
  rejects(() => checkGroup(42), "group", "must be a string, got number");
});

Deno.test("checkBody: bytes, non-empty, ≤ maxMessageSize", () => {
  checkBody(new Uint8Array(1));
  checkBody(new Uint8Array(4 * 1024 * 1024));
  rejects(() => checkBody(new Uint8Array(0)), "body", "must not be empty");
  rejects(
    () => checkBody(new Uint8Array(4 * 1024 * 1024 + 1)),
    "body",
    "must be at most 4194304 bytes, got 4194305",
  );
  rejects(() => checkBody(new Uint8Array(11), 10), "body", "must be at most 10 bytes, got 11");
  rejects(() => checkBody("text"), "body", "must be a Uint8Array or a string");
  rejects(() => checkBody(null), "body", "must be a Uint8Array or a string");
});

Deno.test("checkProperties: reserved names, blanks, separators; field properties.<name>", () => {
  checkProperties({ fixtureUserProp: "fixtureValue", other: "x y" });
  checkProperties(new Map([["a", "1"]]));
  rejects(
    () => checkProperties({ UNIQ_KEY: "x" }),
    "properties.UNIQ_KEY",
    "name is reserved by RocketMQ (UNIQ_KEY)",
  );
  rejects(() => checkProperties({ TAGS: "x" }), "properties.TAGS", /reserved/);
  rejects(() => checkProperties({ " ": "x" }), "properties. ", "name must not be blank");
  rejects(() => checkProperties({ a: " " }), "properties.a", "value must not be blank");
  rejects(
    () => checkProperties({ "a\u0001b": "x" }),
    "properties.a\u0001b",
    /name must not contain/,
  );
  rejects(
    () => checkProperties({ a: "x\u0002y" }),
    "properties.a",
    "must not contain the characters \\u0001 or \\u0002",
  );
  rejects(() => checkProperties({ a: 5 }), "properties.a", "must be a string, got number");
  rejects(
    () => checkProperties({ WAIT: "x" }, "messages[1].properties"),
    "messages[1].properties.WAIT",
    /reserved/,
  );
  rejects(
    () => checkProperties("a=b" as never),
    "properties",
    "must be an object mapping names to strings",
  );
});

Deno.test("checkPropertyText, checkKeys, checkFlag, checkDelayTimeLevel, checkIntegerOption", () => {
  checkPropertyText("tags", "TagA");
  rejects(() => checkPropertyText("tags", "a\u0001"), "tags", /must not contain/);
  checkKeys("k1");
  checkKeys(["k1", "k2"]);
  rejects(() => checkKeys(["k1", ""]), "keys[1]", "must not be empty");
  rejects(() => checkKeys(["k1", 3]), "keys[1]", "must be a string, got number");
  rejects(() => checkKeys(""), "keys", "must not be empty");
  checkFlag(0);
  checkFlag(-(2 ** 31));
  rejects(() => checkFlag(2 ** 31), "flag", "must be a 32-bit integer, got 2147483648");
  rejects(() => checkFlag(1.5), "flag", /32-bit/);
  checkDelayTimeLevel(0);
  checkDelayTimeLevel(18);
  rejects(
    () => checkDelayTimeLevel(-1),
    "delayTimeLevel",
    /^must be an integer in 0\.\.18 .*got -1$/,
  );
  rejects(() => checkDelayTimeLevel(19), "delayTimeLevel", /0\.\.18 .*got 19$/);
  rejects(() => checkDelayTimeLevel("3"), "delayTimeLevel", /integer/);
  checkIntegerOption("options.sendTimeoutMs", 3000);
  checkIntegerOption("options.retryTimesWhenSendFailed", 0, 0);
  rejects(
    () => checkIntegerOption("options.sendTimeoutMs", 0),
    "options.sendTimeoutMs",
    "must be an integer ≥ 1, got 0",
  );
});

Deno.test("checkBatchMessage: same topic, no delay, no retry topic, same waitStoreMsgOK", () => {
  const first = { topic: "T" };
  checkBatchMessage({ topic: "T", waitStoreMsgOK: true }, first, 1);
  rejects(
    () => checkBatchMessage({ topic: "U" }, first, 1),
    "messages[1].topic",
    /must equal the first message's topic "T" in a batch, got "U"/,
  );
  rejects(
    () => checkBatchMessage({ topic: "T", delayTimeLevel: 3 }, first, 2),
    "messages[2].delayTimeLevel",
    "must be unset in a batch",
  );
  rejects(
    () => checkBatchMessage({ topic: "%RETRY%g" }, { topic: "%RETRY%g" }, 0),
    "messages[0].topic",
    /%RETRY%/,
  );
  rejects(
    () => checkBatchMessage({ topic: "T", waitStoreMsgOK: false }, first, 1),
    "messages[1].waitStoreMsgOK",
    /must equal/,
  );
});
