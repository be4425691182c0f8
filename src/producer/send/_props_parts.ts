/**
 * The properties of a plain message (tags and the WAIT flag, no keys, delay, transaction or user
 * properties) split around its UNIQ_KEY: `head + uniqKey + tail`. Both parts repeat from send to
 * send, so each is built, validated and JSON-escaped once per producer and reused: the send
 * header then copies two cached byte runs and the 32 hex digits of the id, instead of building
 * the properties string and escaping it character by character for every message.
 *
 * @module
 */

import { checkPropertyText } from "../validation.ts";
import { NAME_VALUE_SEPARATOR as NV, PROPERTY_SEPARATOR as SEP } from "../../codec/properties.ts";

const encoder = new TextEncoder();
/** Distinct tags remembered before the cache starts over (tags are few in practice). */
const MAX_HEADS = 1024;

/** One side of the properties around the UNIQ_KEY. */
export interface PropsPart {
  /** The raw text. */
  readonly raw: string;
  /** The text as it appears inside the quoted JSON value, UTF-8: with `"` before a head, after a tail. */
  readonly json: Uint8Array;
}

/** JSON bytes of `s` as a string value, without the quote on the side that is not `edge`. */
function jsonPart(s: string, edge: "open" | "close"): Uint8Array {
  const quoted = JSON.stringify(s);
  return encoder.encode(edge === "open" ? quoted.slice(0, -1) : quoted.slice(1));
}

/** The cached heads (by tags) and tails (by WAIT value) of one producer. */
export class PropsParts {
  readonly #heads = new Map<string, PropsPart>();
  readonly #tails: [PropsPart, PropsPart];

  /** @param namespace the producer's namespace (its INSTANCE_ID property), if any */
  constructor(namespace: string | undefined) {
    const instance = namespace === undefined ? "" : SEP + "INSTANCE_ID" + NV + namespace;
    const tail = (wait: string): PropsPart => {
      const raw = SEP + "WAIT" + NV + wait + instance;
      return { raw, json: jsonPart(raw, "close") };
    };
    this.#tails = [tail("false"), tail("true")];
  }

  /**
   * The part before the UNIQ_KEY for `tags` (validated on first use).
   *
   * @param tags the message's tags
   * @param field field name for the error
   * @throws ValidationError as `checkPropertyText`
   */
  head(tags: unknown, field: string): PropsPart {
    const key = tags === undefined ? "" : tags;
    if (typeof key === "string") {
      const cached = this.#heads.get(key);
      if (cached !== undefined) return cached;
    }
    if (tags !== undefined) checkPropertyText(field, tags);
    const t = tags as string | undefined;
    const raw = (t !== undefined && t.length > 0 ? "TAGS" + NV + t + SEP : "") + "UNIQ_KEY" + NV;
    const part = { raw, json: jsonPart(raw, "open") };
    if (this.#heads.size >= MAX_HEADS) this.#heads.clear();
    this.#heads.set(t ?? "", part);
    return part;
  }

  /** The part after the UNIQ_KEY: WAIT (and INSTANCE_ID with a namespace). */
  tail(waitStoreMsgOK: boolean): PropsPart {
    return this.#tails[waitStoreMsgOK ? 1 : 0];
  }
}
