import assert from "node:assert/strict";
import {
  fromBase64,
  parseAuthorization,
  type SignedRequestParts,
  signRequest,
  stringToSign,
  toBase64,
  verifySignature,
} from "../../src/relay/aliyun/signature.ts";
import { nodeSign } from "./_aliyun_helpers.ts";

// The Node SDK's own unit test vector (test/client.test.js, "sign").
const SDK_VECTOR: SignedRequestParts = {
  method: "PUT",
  contentMd5: "574683b3684e3cff610afa155cc2506d",
  contentType: "text/xml",
  date: "Tue, 11 Apr 2017 10:09:19 GMT",
  mqHeaders: [["x-mq-version", "2015-06-06"]],
  resource: "/",
};

Deno.test("aliyun signature: the string to sign, field by field", () => {
  const parts: SignedRequestParts = {
    method: "POST",
    contentMd5: "",
    contentType: "text/xml;charset=UTF-8",
    date: "Fri, 04 Dec 2026 16:00:00 GMT",
    mqHeaders: [["x-mq-version", "2015-06-06"], ["x-mq-b", "2"], ["x-mq-a", "1"]],
    resource: "/topics/T/messages?ns=MQ_INST_1",
  };
  assert.equal(
    stringToSign(parts),
    "POST\n\ntext/xml;charset=UTF-8\nFri, 04 Dec 2026 16:00:00 GMT\n" +
      "x-mq-a:1\nx-mq-b:2\nx-mq-version:2015-06-06\n/topics/T/messages?ns=MQ_INST_1",
  );
});

Deno.test("aliyun signature: the Node SDK's published vector, and node:crypto agrees", async () => {
  const text = stringToSign(SDK_VECTOR);
  assert.equal(await signRequest("ACCESS_KEY_SECRET", text), "G7NRBqmP9XfhTJ/pV3AgYQtXaaU=");
  assert.equal(nodeSign("ACCESS_KEY_SECRET", text), "G7NRBqmP9XfhTJ/pV3AgYQtXaaU=");
  assert.equal(
    await verifySignature("ACCESS_KEY_SECRET", SDK_VECTOR, "G7NRBqmP9XfhTJ/pV3AgYQtXaaU="),
    true,
  );
  assert.equal(
    await verifySignature("ACCESS_KEY_SECRET", SDK_VECTOR, "H7NRBqmP9XfhTJ/pV3AgYQtXaaU="),
    false,
  );
  assert.equal(await verifySignature("other", SDK_VECTOR, "G7NRBqmP9XfhTJ/pV3AgYQtXaaU="), false);
});

Deno.test("aliyun signature: WebCrypto HMAC-SHA1 equals node:crypto on varied inputs", async () => {
  const secrets = ["s", "秘密-ключ", "x".repeat(100)];
  const texts = ["", "POST\n\n\n", "ünïcødé ✓ 😀\n/topics/a|b%c/messages?ns=x"];
  for (const secret of secrets) {
    for (const text of texts) assert.equal(await signRequest(secret, text), nodeSign(secret, text));
  }
});

Deno.test("aliyun signature: both x-mq-* orders the SDKs use verify (Go sorts whole lines)", async () => {
  const parts: SignedRequestParts = {
    ...SDK_VECTOR,
    mqHeaders: [["x-mq-a", "1"], ["x-mq-a-b", "2"], ["x-mq-version", "2015-06-06"]],
  };
  const byName = stringToSign(parts, "name");
  const byLine = stringToSign(parts, "line");
  assert.notEqual(byName, byLine); // "x-mq-a" < "x-mq-a-b", but "x-mq-a-b:" < "x-mq-a:"
  assert.ok(byName.includes("x-mq-a:1\nx-mq-a-b:2\n"));
  assert.ok(byLine.includes("x-mq-a-b:2\nx-mq-a:1\n"));
  assert.equal(await verifySignature("k", parts, nodeSign("k", byName)), true);
  assert.equal(await verifySignature("k", parts, nodeSign("k", byLine)), true);
  assert.equal(await verifySignature("k", parts, nodeSign("k", byName + "x")), false);
});

Deno.test("aliyun signature: malformed signatures never verify", async () => {
  for (
    const bad of [
      "",
      "not base64!",
      "AAAA",
      "G7NRBqmP9XfhTJ/pV3AgYQtXaaU",
      "G7NRBqmP9XfhTJ/pV3AgYQtXaaU==",
    ]
  ) {
    assert.equal(await verifySignature("ACCESS_KEY_SECRET", SDK_VECTOR, bad), false, bad);
  }
});

Deno.test("aliyun signature: Authorization header forms", () => {
  assert.deepEqual(parseAuthorization("MQ AK:c2ln"), { accessKeyId: "AK", signature: "c2ln" });
  assert.deepEqual(parseAuthorization("MQ LTAI5t:ab+/c="), {
    accessKeyId: "LTAI5t",
    signature: "ab+/c=",
  });
  for (
    const bad of ["", "MQ", "MQ AK", "MQ :sig", "MQ AK:", "MNS AK:sig", "mq AK:sig", "MQ A K:sig"]
  ) {
    assert.equal(parseAuthorization(bad), undefined, bad);
  }
});

Deno.test("aliyun signature: base64 round trip and refusal of non-base64", () => {
  const bytes = new Uint8Array(256).map((_, i) => i);
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.equal(toBase64(new TextEncoder().encode("abc")), btoa("abc"));
  assert.equal(fromBase64("abc"), undefined);
  assert.equal(fromBase64("ab$="), undefined);
  assert.deepEqual(fromBase64(""), new Uint8Array(0));
});
