import assert from "node:assert/strict";
import { createLogger, type LogEntry } from "../../src/log/logger.ts";
import { ValidationError } from "../../src/errors.ts";

Deno.test("logger: entries at or above the level reach the sink, with namespace and fields", () => {
  const seen: LogEntry[] = [];
  const log = createLogger({ level: "info", sink: (e) => seen.push(e) });
  log.debug("hidden");
  log.child("producer").info("started", { group: "g" });
  log.child("client").child("namesrv").error("failover");
  assert.deepEqual(seen.map((e) => [e.level, e.namespace, e.message]), [
    ["info", "rocketmq.producer", "started"],
    ["error", "rocketmq.client.namesrv", "failover"],
  ]);
  assert.deepEqual(seen[0].fields, { group: "g" });
  assert.deepEqual(log.enabled("debug"), false);
  assert.deepEqual(log.enabled("warn"), true);
});

Deno.test("logger: a throwing sink is contained; silent logs nothing; a bad level is a ValidationError", () => {
  let calls = 0;
  const log = createLogger({
    level: "debug",
    sink: () => {
      calls++;
      throw new Error("sink bug");
    },
  });
  log.warn("x");
  assert.deepEqual(calls, 1);
  const silent = createLogger({ level: "silent", sink: () => calls++ });
  silent.error("y");
  assert.deepEqual(calls, 1);
  assert.throws(
    () => createLogger({ level: "loud" as never }),
    (e) => e instanceof ValidationError && e.field === "logger.level",
  );
});
