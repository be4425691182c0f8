import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { AliyunError } from "../../src/relay/aliyun/_errors.ts";
import { errorXml, escapeXml, messageXml, parsePublishXml } from "../../src/relay/aliyun/xml.ts";

function invalid(text: string, pattern: RegExp, code = "InvalidArgument"): void {
  assert.throws(() => parsePublishXml(text), (e: unknown) => {
    assert.ok(e instanceof AliyunError);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  }, text);
}

Deno.test("aliyun xml: the Node SDK's body (declaration, xmlns with /, CDATA everywhere)", () => {
  const text =
    '<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mq.aliyuncs.com/doc/v1/">' +
    "<MessageBody><![CDATA[a <b> & c &amp; ]]></MessageBody><MessageTag><![CDATA[TagA]]></MessageTag>" +
    "<Properties><![CDATA[KEYS:k|region:eu]]></Properties></Message>";
  assert.deepEqual(parsePublishXml(text), {
    body: "a <b> & c &amp; ",
    tag: "TagA",
    properties: "KEYS:k|region:eu",
  });
});

Deno.test("aliyun xml: the Java SDK's body (escaped text, xmlns without /, UTF-8)", () => {
  const text = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>' +
    '<Message xmlns="http://mq.aliyuncs.com/doc/v1"><MessageBody>x &lt;y&gt; &amp; "q" \'a\'</MessageBody>' +
    "<MessageTag>t</MessageTag><Properties>a:1|</Properties></Message>";
  assert.deepEqual(parsePublishXml(text), {
    body: "x <y> & \"q\" 'a'",
    tag: "t",
    properties: "a:1|",
  });
});

Deno.test("aliyun xml: the Go SDK's body (no declaration, no xmlns, numeric references)", () => {
  const text =
    "<Message><MessageBody>&#34;hi&#34;&#x9;tab&#xA;line &#39;s&#39; 😀 &#x1F600;</MessageBody>" +
    "<Properties>KEYS:k|</Properties></Message>";
  assert.deepEqual(parsePublishXml(text), {
    body: "\"hi\"\ttab\nline 's' 😀 😀",
    properties: "KEYS:k|",
  });
});

Deno.test("aliyun xml: the Python SDK's body (utf-8 declaration, MessageBody left out when empty)", () => {
  assert.deepEqual(
    parsePublishXml(
      '<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mq.aliyuncs.com/doc/v1/"><MessageTag>t</MessageTag></Message>',
    ),
    { body: "", tag: "t" },
  );
});

Deno.test("aliyun xml: whitespace is data inside elements, indentation outside; CDATA can be split", () => {
  assert.deepEqual(
    parsePublishXml(
      "<Message>\n  <MessageBody>  0123  </MessageBody>\n  <MessageTag/>\n</Message>",
    ),
    { body: "  0123  " },
  );
  assert.deepEqual(
    parsePublishXml(
      "<Message><MessageBody><![CDATA[a]]]]><![CDATA[>b]]>&amp;c</MessageBody></Message>",
    ),
    { body: "a]]>b&c" },
  );
  assert.deepEqual(parsePublishXml("<Message/>"), { body: "" });
  assert.deepEqual(parsePublishXml("<Message><Properties></Properties></Message>"), { body: "" });
});

Deno.test("aliyun xml: malformed documents are MalformedXML; foreign or dangerous ones InvalidArgument", () => {
  invalid("<Message><MessageBody>open</Message>", /malformed/, "MalformedXML");
  invalid("<Message><MessageBody>x</MessageBody>", /malformed/, "MalformedXML");
  invalid("<Msg><MessageBody>x</MessageBody></Msg>", /root element must be <Message>/);
  invalid(
    "<Message><MessageBody>x</MessageBody><Extra>y</Extra></Message>",
    /unknown element <Extra>/,
  );
  invalid(
    "<Message><MessageBody>x</MessageBody><MessageBody>y</MessageBody></Message>",
    /more than once/,
  );
  invalid("<Message><MessageBody><b>x</b></MessageBody></Message>", /text only/);
  invalid("<Message>stray<MessageBody>x</MessageBody></Message>", /text outside/);
  invalid(
    '<!DOCTYPE m [<!ENTITY e "boom">]><Message><MessageBody>&e;</MessageBody></Message>',
    /DOCTYPE/,
  );
  invalid('<?xml version="1.0" encoding="GBK"?><Message/>', /encoding must be UTF-8/);
});

Deno.test("aliyun xml: answers escape their text and parse back", () => {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });
  assert.deepEqual(parser.parse(messageXml("ID<1>", "ABC")).Message, {
    MessageId: "ID<1>",
    MessageBodyMD5: "ABC",
    "@_xmlns": "http://mq.aliyuncs.com/doc/v1/",
  });
  const error =
    parser.parse(errorXml("InvalidArgument", `bad "x" & <y>\u0001`, "RID", "h:1")).Error;
  assert.equal(error.Code, "InvalidArgument");
  assert.equal(error.Message, 'bad "x" & <y>\uFFFD');
  assert.equal(error.RequestId, "RID");
  assert.equal(error.HostId, "h:1");
  assert.equal(escapeXml(`<&>"'`), "&lt;&amp;&gt;&quot;&apos;");
});
