/**
 * The remoting client's requests with RPC hooks (see `rpc-hook.ts`): the pending entry that runs
 * the `afterResponse` hooks before its sink sees the answer, and the conversion of a fast-path
 * request (pre-rendered ext fields) into a command the hooks can see. Private to `client.ts`;
 * nothing here runs for a client without hooks.
 *
 * @module
 */

import type { RemotingCommand } from "./command.ts";
import { SerializeType } from "./codes.ts";
import type { JsonFieldsWriter } from "./json-request.ts";
import { PendingRequest, type ResponseSink, type ScannedResponse } from "./pending-request.ts";
import type { RpcHooks, RpcRequest } from "./rpc-hook.ts";

const decoder = new TextDecoder();

/**
 * The pending entry of a hooked request. Its sink gets the outcome after the `afterResponse`
 * hooks ran (or their {@link RpcHookError} instead). A sink that is itself a
 * {@link PendingRequest} gets the entry's bookkeeping copied (see {@link shadow}), so it reads
 * the same table, opaque and deadline as if it were the entry.
 */
export class HookedCall extends PendingRequest {
  readonly #hooks: RpcHooks;
  readonly #view: RpcRequest;
  readonly #sink: ResponseSink;

  /**
   * @param hooks the client's hooks
   * @param view what the before-hooks saw
   * @param sink receives the outcome
   */
  constructor(hooks: RpcHooks, view: RpcRequest, sink: ResponseSink) {
    super();
    this.#hooks = hooks;
    this.#view = view;
    this.#sink = sink;
  }

  /** Copy the bookkeeping the client just wrote here to a sink that is a pending request. */
  shadow(): void {
    const sink = this.#sink;
    if (!(sink instanceof PendingRequest)) return;
    sink.table = this.table;
    sink.opaque = this.opaque;
    sink.code = this.code;
    sink.requestTimeoutMs = this.requestTimeoutMs;
    sink.deadline = this.deadline;
    sink.signal = this.signal;
  }

  /** Run the after-hooks; false when one failed (the sink then has the error). */
  #after(response: RemotingCommand): boolean {
    try {
      this.#hooks.after(this.table!.address, this.#view, response);
      return true;
    } catch (e) {
      this.#sink.onError(e as Error);
      return false;
    }
  }

  onResponse(response: RemotingCommand): void {
    if (this.#after(response)) this.#sink.onResponse(response);
  }

  override onTokens(tokens: ScannedResponse, body: Uint8Array | undefined): void {
    const sink = this.#sink;
    const response = this.#hooks.hasAfter ? tokens.toCommand(body) : undefined;
    if (response !== undefined && !this.#after(response)) return;
    // The scanned header is still valid: a sink that reads it in place keeps doing so.
    if (sink.onTokens !== undefined) sink.onTokens(tokens, body);
    else sink.onResponse(response ?? tokens.toCommand(body));
  }

  onError(error: Error): void {
    this.#sink.onError(error);
  }
}

/**
 * A fast-path request (see `RemotingClient.invokeJsonTo`) as the command hooks see.
 *
 * @throws SyntaxError when the fields are not JSON
 */
export function jsonRequestOf(
  code: number,
  language: number,
  version: number,
  extFields: string | JsonFieldsWriter,
  body: Uint8Array | undefined,
): RemotingCommand {
  return {
    code,
    language,
    version,
    opaque: 0,
    flag: 0,
    extFields: fieldsOf(extFields),
    body,
    serializeType: SerializeType.JSON,
  };
}

/**
 * The ext fields of a fast-path request as an object: the JSON text, or the bytes the writer
 * writes, parsed back (only requests of a hooked client take this way).
 *
 * @param extFields JSON object text or a writer of it
 * @returns the fields in wire order
 */
export function fieldsOf(extFields: string | JsonFieldsWriter): Record<string, string> {
  let text: string;
  if (typeof extFields === "string") text = extFields;
  else if (extFields.fields !== undefined) return extFields.fields();
  else {
    const bytes = new Uint8Array(extFields.byteLength);
    extFields.write(bytes, 0);
    text = decoder.decode(bytes);
  }
  return JSON.parse(text) as Record<string, string>;
}
