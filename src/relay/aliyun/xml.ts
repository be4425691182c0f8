/**
 * The XML of the MQ HTTP publish API: reading `<Message>` as every SDK writes it and writing the
 * `<Message>` and `<Error>` answers they read.
 *
 * What the SDKs send (all UTF-8):
 * - Node: `<?xml … encoding="UTF-8"?><Message xmlns="http://mq.aliyuncs.com/doc/v1/">` with each
 *   field in CDATA; properties `k:v|k2:v2` (no trailing `|`).
 * - Java: DOM-serialised, escaped text, `xmlns="http://mq.aliyuncs.com/doc/v1"`, no CDATA.
 * - Go: `encoding/xml`, no declaration, no `xmlns`, numeric character references (`&#34;`,
 *   `&#xA;`), properties with a trailing `|`.
 * - Python: minidom, `encoding="utf-8"` declaration, escaped text, `MessageBody` left out when
 *   empty.
 *
 * Parsing uses `fast-xml-parser` (maintained, pure JavaScript, runs on Deno, Bun, Node and
 * workerd) with the entity decoder of `@nodable/entities` (same maintainer), which decodes the
 * five XML entities and numeric character references and nothing else. CDATA sections are taken
 * verbatim. DOCTYPE declarations are refused: the SDKs never send one, and refusing them rules out
 * entity-expansion attacks.
 *
 * @module
 */

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { EntityDecoder } from "@nodable/entities";
import { badRequest, invalidArgument } from "./_errors.ts";

/** The fields of a publish request, decoded. */
export interface PublishXml {
  /** `MessageBody` text ("" when absent or empty). */
  body: string;
  /** `MessageTag` text, when present and not empty. */
  tag?: string;
  /** `Properties` text (`k:v|k2:v2|`), when present and not empty. */
  properties?: string;
}

/** The namespace the answers carry, as Alibaba Cloud's gateway answers. */
export const MQ_XML_NAMESPACE = "http://mq.aliyuncs.com/doc/v1/";

const FIELDS = new Set(["MessageBody", "MessageTag", "Properties"]);

const parser = new XMLParser({
  ignoreAttributes: true, // xmlns="…" (with or without the trailing slash) or none
  removeNSPrefix: true,
  parseTagValue: false, // a body "0123" stays a string
  trimValues: false, // a body's leading/trailing spaces are data
  ignoreDeclaration: true,
  ignorePiTags: true,
  entityDecoder: new EntityDecoder(),
});

/**
 * Parse a publish request body.
 *
 * @param text the request body, decoded from UTF-8
 * @returns the message fields
 * @throws {AliyunError} `MalformedXML` for a document that is not well-formed; `InvalidArgument`
 * naming the problem for a DOCTYPE, another encoding, a wrong root, an unknown or repeated element,
 * or an element that is not text
 */
export function parsePublishXml(text: string): PublishXml {
  if (/<!DOCTYPE/i.test(text)) throw invalidArgument("XML: DOCTYPE declarations are not allowed");
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/.exec(text);
  if (declared !== null && declared[1].toLowerCase() !== "utf-8") {
    throw invalidArgument(`XML: encoding must be UTF-8, got "${declared[1]}"`);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const e = valid.err;
    throw badRequest(
      "MalformedXML",
      `XML is malformed: ${e.msg} (line ${e.line}, column ${e.col})`,
    );
  }
  const doc = parser.parse(text) as Record<string, unknown>;
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== "Message") {
    throw invalidArgument(`XML: the root element must be <Message>, got <${roots.join(">, <")}>`);
  }
  const message = doc.Message;
  if (message === "") return { body: "" }; // <Message/> or <Message></Message>
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw invalidArgument("XML: <Message> must contain MessageBody, MessageTag, Properties");
  }
  const out: PublishXml = { body: "" };
  for (const [name, value] of Object.entries(message as Record<string, unknown>)) {
    if (name === "#text") {
      if (typeof value === "string" && value.trim() === "") continue; // indentation
      throw invalidArgument("XML: <Message> must not contain text outside its elements");
    }
    if (!FIELDS.has(name)) throw invalidArgument(`XML: unknown element <${name}> in <Message>`);
    if (Array.isArray(value)) throw invalidArgument(`XML: <${name}> appears more than once`);
    if (typeof value !== "string") throw invalidArgument(`XML: <${name}> must contain text only`);
    if (name === "MessageBody") out.body = value;
    else if (value !== "" && name === "MessageTag") out.tag = value;
    else if (value !== "" && name === "Properties") out.properties = value;
  }
  return out;
}

/**
 * Escape text for an XML element: the five predefined entities, and U+FFFD for the control
 * characters XML 1.0 cannot carry at all (so an answer always parses).
 *
 * @param text any text
 * @returns the escaped text
 */
export function escapeXml(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex -- matching the C0 controls XML 1.0 forbids is the point
    /[&<>"'\x00-\x08\x0B\x0C\x0E-\x1F]/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : c === "'"
        ? "&apos;"
        : "\uFFFD",
  );
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * The success answer of a publish.
 *
 * @param messageId the message id (RocketMQ `msgId`)
 * @param bodyMd5 upper-case hex MD5 of the message body
 * @returns the XML document
 */
export function messageXml(messageId: string, bodyMd5: string): string {
  return `${DECLARATION}<Message xmlns="${MQ_XML_NAMESPACE}"><MessageId>${
    escapeXml(messageId)
  }</MessageId><MessageBodyMD5>${escapeXml(bodyMd5)}</MessageBodyMD5></Message>`;
}

/**
 * An error answer. The Python SDK requires all four elements to be present.
 *
 * @param code Alibaba Cloud error code
 * @param message what went wrong
 * @param requestId the request id (also in `x-mq-request-id`)
 * @param hostId the host the request was sent to
 * @returns the XML document
 */
export function errorXml(code: string, message: string, requestId: string, hostId: string): string {
  return `${DECLARATION}<Error xmlns="${MQ_XML_NAMESPACE}"><Code>${
    escapeXml(code)
  }</Code><Message>${escapeXml(message)}</Message><RequestId>${
    escapeXml(requestId)
  }</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`;
}
