/**
 * The served route over real HTTP: every body variant the SDKs send reaches the cluster, and every
 * refusal answers its Aliyun code and status.
 */

import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import {
  AK,
  md5Hex,
  signedRequest,
  type SignedRequestInit,
  withServedRoute,
} from "./_aliyun_helpers.ts";

const TOPIC = "AliyunRouteTopic";
const PATH = `/topics/${TOPIC}/messages`;
const parser = new XMLParser({ parseTagValue: false });

async function post(
  url: string,
  init: SignedRequestInit,
): Promise<{ status: number; headers: Headers; xml: Record<string, Record<string, string>> }> {
  const req = signedRequest(init);
  const res = await fetch(url + req.path, req.init);
  const text = await res.text();
  assert.match(res.headers.get("content-type") ?? "", /^text\/xml;charset=utf-8$/);
  return { status: res.status, headers: res.headers, xml: parser.parse(text) };
}

const NODE_BODY =
  '<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mq.aliyuncs.com/doc/v1/">' +
  "<MessageBody><![CDATA[node body]]></MessageBody><MessageTag><![CDATA[TagN]]></MessageTag>" +
  "<Properties><![CDATA[KEYS:kn|p:1]]></Properties></Message>";
const JAVA_BODY =
  '<?xml version="1.0" encoding="UTF-8" standalone="no"?><Message xmlns="http://mq.aliyuncs.com/doc/v1">' +
  "<MessageBody>java &amp; body</MessageBody><MessageTag>TagJ</MessageTag><Properties>KEYS:kj|p:2</Properties></Message>";
const GO_BODY =
  "<Message><MessageBody>go &#34;body&#34;</MessageBody><MessageTag>TagG</MessageTag>" +
  "<Properties>KEYS:kg|p:3|</Properties></Message>";
const PY_BODY =
  '<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mq.aliyuncs.com/doc/v1/">' +
  "<MessageBody>py body</MessageBody><MessageTag>TagP</MessageTag><Properties>p:4|KEYS:kp</Properties></Message>";

Deno.test("aliyun route: every SDK's body, content type and Content-MD5 style is stored", async () => {
  await withServedRoute([TOPIC], async ({ url, cluster }) => {
    const rawMd5 = (s: string) =>
      btoa(String.fromCharCode(
        ...new Uint8Array(
          md5Hex(s).match(/../g)!.map((h) => parseInt(h, 16)),
        ),
      ));
    const cases: [SignedRequestInit, string, string, string, string][] = [
      [{ resource: PATH, body: NODE_BODY }, "node body", "TagN", "kn", "1"],
      [
        {
          resource: PATH,
          body: JAVA_BODY,
          contentType: "text/xml;charset=UTF-8",
          contentMd5: null,
        },
        "java & body",
        "TagJ",
        "kj",
        "2",
      ],
      [{ resource: PATH, body: GO_BODY }, 'go "body"', "TagG", "kg", "3"],
      [
        { resource: PATH, body: PY_BODY, contentType: "text/xml;charset=UTF-8", contentMd5: null },
        "py body",
        "TagP",
        "kp",
        "4",
      ],
      [
        {
          resource: PATH,
          body: GO_BODY.replace("3|", "5|"),
          contentMd5: rawMd5(GO_BODY.replace("3|", "5|")),
        },
        'go "body"',
        "TagG",
        "kg",
        "5",
      ],
      [
        { resource: PATH, body: GO_BODY.replace("3|", "6|"), contentType: "application/xml" },
        'go "body"',
        "TagG",
        "kg",
        "6",
      ],
      [
        {
          resource: PATH,
          body: GO_BODY.replace("3|", "7|"),
          contentMd5: md5Hex(GO_BODY.replace("3|", "7|")).toUpperCase(),
        },
        'go "body"',
        "TagG",
        "kg",
        "7",
      ],
    ];
    for (const [init, body, tag, keys, p] of cases) {
      const res = await post(url, init);
      assert.equal(res.status, 201, JSON.stringify(res.xml));
      assert.equal(res.xml.Message.MessageBodyMD5, md5Hex(body).toUpperCase());
      assert.equal(res.headers.get("x-mq-request-id")?.length, 32);
      const stored = cluster.broker("broker-a").messages(TOPIC).at(-1)!;
      assert.equal(new TextDecoder().decode(stored.body), body);
      assert.equal(stored.properties.get("TAGS"), tag);
      assert.equal(stored.properties.get("KEYS"), keys);
      assert.equal(stored.properties.get("p"), p);
      assert.equal(stored.properties.get("UNIQ_KEY"), res.xml.Message.MessageId);
    }
    assert.equal(cluster.broker("broker-a").messages(TOPIC).length, cases.length);
  });
});

Deno.test("aliyun route: signature, Date and header refusals answer the SDKs' codes", async () => {
  const fixedNow = Date.parse("Fri, 04 Dec 2026 16:00:00 GMT");
  await withServedRoute([TOPIC], async ({ url, cluster }) => {
    const ok = { resource: PATH, body: GO_BODY, date: "Fri, 04 Dec 2026 16:00:00 GMT" };
    const cases: [
      string,
      SignedRequestInit,
      number,
      string,
      ((h: Record<string, string>) => void)?,
    ][] = [
      ["no Authorization", ok, 400, "MissingAuthorizationHeader", (h) => delete h.authorization],
      [
        "Authorization of another scheme",
        ok,
        400,
        "InvalidAuthorizationHeader",
        (h) => h.authorization = "MNS a:b",
      ],
      ["unknown AccessKeyId", { ...ok, accessKeyId: "nobody" }, 403, "InvalidAccessKeyId"],
      ["wrong secret", { ...ok, secret: "wrong" }, 403, "SignatureDoesNotMatch"],
      ["an unsigned x-mq-* header", ok, 403, "SignatureDoesNotMatch", (h) => h["x-mq-extra"] = "1"],
      [
        "tampered Content-Type",
        ok,
        403,
        "SignatureDoesNotMatch",
        (h) => h["content-type"] = "text/xml",
      ],
      ["no Date", ok, 400, "MissingDateHeader", (h) => delete h.date],
      ["Date in another format", { ...ok, date: "2026-12-04T16:00:00Z" }, 400, "InvalidDateHeader"],
      ["Date 16 minutes old", { ...ok, date: "Fri, 04 Dec 2026 15:44:00 GMT" }, 408, "TimeExpired"],
      [
        "Date 16 minutes ahead",
        { ...ok, date: "Fri, 04 Dec 2026 16:16:00 GMT" },
        408,
        "TimeExpired",
      ],
      ["no x-mq-version", { ...ok, version: null }, 400, "MissingVersionHeader"],
      ["another x-mq-version", { ...ok, version: "2020-01-01" }, 400, "InvalidVersionHeader"],
      [
        "Content-MD5 of another body",
        { ...ok, contentMd5: btoa(md5Hex("other")) },
        400,
        "InvalidDegist",
      ],
      ["JSON content type", { ...ok, contentType: "application/json" }, 400, "InvalidContentType"],
      ["GBK charset", { ...ok, contentType: "text/xml;charset=GBK" }, 400, "InvalidContentType"],
      [
        "malformed XML",
        { ...ok, body: "<Message><MessageBody>x</Message>" },
        400,
        "MalformedXML",
      ],
      ["not UTF-8", { ...ok, body: new Uint8Array([0x3c, 0xff, 0xfe]) }, 400, "MalformedXML"],
      ["empty body", { ...ok, body: "<Message><MessageBody/></Message>" }, 400, "InvalidArgument"],
      [
        "reserved property",
        {
          ...ok,
          body: "<Message><MessageBody>x</MessageBody><Properties>TAGS:t</Properties></Message>",
        },
        400,
        "InvalidArgument",
      ],
      ["unknown query parameter", { ...ok, resource: `${PATH}?foo=1` }, 400, "InvalidQueryString"],
      ["unknown topic", { ...ok, resource: "/topics/NoSuchTopic/messages" }, 404, "TopicNotExist"],
    ];
    for (const [name, init, status, code, tamper] of cases) {
      const req = signedRequest(init);
      const headers = req.init.headers as Record<string, string>;
      tamper?.(headers);
      const res = await fetch(url + req.path, req.init);
      const xml = parser.parse(await res.text());
      assert.equal(res.status, status, `${name}: ${JSON.stringify(xml)}`);
      assert.equal(xml.Error.Code, code, name);
      assert.ok(xml.Error.Message.length > 0, name);
      assert.equal(xml.Error.RequestId, res.headers.get("x-mq-request-id"), name);
      assert.equal(xml.Error.HostId, new URL(url).host, name);
    }
    // The path and query are signed as sent: a request signed for no instance but sent with ?ns=.
    const req = signedRequest(ok);
    const res = await fetch(`${url}${req.path}?ns=MQ_INST_other`, req.init);
    assert.equal(res.status, 403);
    assert.equal(parser.parse(await res.text()).Error.Code, "SignatureDoesNotMatch");
    assert.equal(cluster.broker("broker-a").messages(TOPIC).length, 0);
  }, { now: () => fixedNow });
});

Deno.test("aliyun route: the window is configurable and checked against the clock", async () => {
  await withServedRoute([TOPIC], async ({ url }) => {
    const date = new Date(Date.now() - 5_000).toUTCString();
    const res = await post(url, { resource: PATH, body: GO_BODY, date });
    assert.equal(res.status, 408);
    assert.match(res.xml.Error.Message, /allowed 2 s/);
  }, { dateWindowMs: 2_000 });
});

Deno.test("aliyun route: publish failures map through the relay's errors to Aliyun codes", async () => {
  const { RelayHttpError } = await import("../../src/relay/errors.ts");
  const { TimeoutError } = await import("../../src/errors.ts");
  const failures: [unknown, number, string, string | null][] = [
    [
      new RelayHttpError(429, "OVERLOADED", "too many in flight", { retryAfterSec: 2 }),
      429,
      "QpsLimitExceeded",
      "2",
    ],
    [
      new RelayHttpError(503, "UNAVAILABLE", "no broker", { retryAfterSec: 1 }),
      503,
      "ServiceUnavailable",
      "1",
    ],
    [new RelayHttpError(403, "FORBIDDEN", "topic not allowed"), 403, "AccessDenied", null],
    [new TimeoutError("send", 3000), 504, "RequestTimeout", null],
    [new Error("secret internals /etc/passwd"), 500, "InternalError", null],
  ];
  for (const [error, status, code, retryAfter] of failures) {
    await withServedRoute([TOPIC], async ({ url }) => {
      const res = await post(url, { resource: PATH, body: GO_BODY });
      assert.equal(res.status, status, code);
      assert.equal(res.xml.Error.Code, code);
      assert.equal(res.headers.get("retry-after"), retryAfter, code);
      assert.ok(!res.xml.Error.Message.includes("passwd"), "no internals leak");
    }, { publish: () => Promise.reject(error) });
  }
});

Deno.test("aliyun route: a body over the limit is 413 EntityTooLarge; consume requests are 501", async () => {
  await withServedRoute([TOPIC], async ({ url, cluster }) => {
    const big = `<Message><MessageBody>${"x".repeat(2048)}</MessageBody></Message>`;
    const res = await post(url, { resource: PATH, body: big });
    assert.equal(res.status, 413);
    assert.equal(res.xml.Error.Code, "EntityTooLarge");
    const get = await fetch(`${url}${PATH}?consumer=GID&numOfMessages=1`, {
      headers: { authorization: `MQ ${AK}:x` },
    });
    assert.equal(get.status, 501);
    assert.equal(parser.parse(await get.text()).Error.Code, "NotImplemented");
    assert.equal(cluster.broker("broker-a").messages(TOPIC).length, 0);
  }, { maxBodyBytes: 1024 });
});
