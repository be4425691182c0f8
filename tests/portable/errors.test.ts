import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokerError, SendFailedError, ValidationError } from "../../src/errors.ts";

test("ValidationError names the field and the rule", () => {
  const e = new ValidationError("topic", "must not be empty");
  assert.equal(e.field, "topic");
  assert.equal(e.message, "invalid topic: must not be empty");
  assert.equal(e.retriable, false);
  assert.equal(e.name, "ValidationError");
});

test("BrokerError is retriable only for the Java retry codes", () => {
  assert.equal(new BrokerError(1, "x", "127.0.0.1:1").retriable, true);
  assert.equal(new BrokerError(13, "x", "127.0.0.1:1").retriable, false);
});

test("SendFailedError reports the brokers tried and the last response code", () => {
  const e = new SendFailedError(
    "failed",
    [
      { brokerName: "a", queueId: 0, elapsedMs: 1, error: new BrokerError(14, "busy", "h:1") },
      { brokerName: "b", queueId: 1, elapsedMs: 1, error: new Error("boom") },
    ],
    true,
    new Error("boom"),
  );
  assert.deepEqual(e.brokersTried, ["a", "b"]);
  assert.equal(e.lastResponseCode, 14);
});
