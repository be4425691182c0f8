/**
 * RPC hooks (Java `RPCHook`): code that runs before every request a remoting client writes and
 * after every response it receives — name-server lookups, heartbeats, unregisters, sends of every
 * mode. It is where request signing (Java `AclClientRPCHook`), tracing and auditing plug in.
 *
 * What a hook sees is a view, never the client's own buffers:
 *
 * - {@link RpcRequest}: the request's code, language, version, flag, remark and serialize type
 *   (read-only), its `extFields` as a fresh object in wire order — add, change or delete entries
 *   (string values only); what the object holds after the last `beforeRequest` is what is written —
 *   and its `body` as a copy (made on first read). Send requests carry `SEND_MESSAGE_V2`'s short
 *   names `a`…`n` (Java `SendMessageRequestHeaderV2`), as on the wire.
 * - {@link RpcResponse}: the answer's code, remark, `extFields` (a frozen copy) and `body` (a copy).
 *
 * Hooks run in registration order and synchronously (as in Java). A hook that throws (or returns
 * a promise) fails that request with a {@link RpcHookError} naming it: before the request, nothing
 * is written; after the response, the caller gets the error instead of the response. One-way
 * requests have no response, so only `beforeRequest` runs for them.
 *
 * @example
 * ```ts
 * import type { RpcHook } from "./rpc-hook.ts";
 *
 * const tracing: RpcHook = {
 *   name: "tracing",
 *   beforeRequest(address, request) {
 *     request.extFields["traceId"] = crypto.randomUUID();
 *   },
 *   afterResponse(address, request, response) {
 *     console.log(address, request.code, "→", response.code);
 *   },
 * };
 * ```
 *
 * @module
 */

import { RpcHookError, ValidationError } from "../errors.ts";
import type { RemotingCommand } from "./command.ts";
import { FrameFlag } from "./codes.ts";

export { RpcHookError };

/** A request as hooks see it (see the module rules). */
export interface RpcRequest {
  /** Request code (`RequestCode`). */
  readonly code: number;
  /** Language code. */
  readonly language: number;
  /** Protocol version. */
  readonly version: number;
  /** Flag bits; the one-way bit is set for one-way requests. */
  readonly flag: number;
  /** True for a one-way request (no response, no `afterResponse`). */
  readonly oneway: boolean;
  /** Remark, if any. */
  readonly remark: string | undefined;
  /** Header encoding: 0 JSON, 1 ROCKETMQ binary. */
  readonly serializeType: number;
  /** The header fields, in wire order: the hooks' own copy, written as it stands after them. */
  readonly extFields: Record<string, string>;
  /** A copy of the body (made on first read), or undefined. */
  readonly body: Uint8Array | undefined;
}

/** A response as `afterResponse` hooks see it. */
export interface RpcResponse {
  /** Response code (`ResponseCode`). */
  readonly code: number;
  /** Correlation id (the request's). */
  readonly opaque: number;
  /** Language code of the responder. */
  readonly language: number;
  /** Version of the responder. */
  readonly version: number;
  /** Remark (error text), if any. */
  readonly remark: string | undefined;
  /** The response's header fields (a frozen copy; empty when it had none). */
  readonly extFields: Readonly<Record<string, string>>;
  /** A copy of the body (made on first read), or undefined. */
  readonly body: Uint8Array | undefined;
}

/** Hook around every request of a client (Java `RPCHook`). Both methods are optional. */
export interface RpcHook {
  /** Name used in errors and logs; default `rpcHooks[<index>]`. */
  readonly name?: string;
  /**
   * Before the request is written (Java `doBeforeRequest`). May add, change or delete
   * `request.extFields` entries. Throwing fails the request and nothing is written.
   */
  beforeRequest?(address: string, request: RpcRequest): void;
  /**
   * After the response arrived, before the caller sees it (Java `doAfterResponse`). `request` is
   * the object `beforeRequest` saw. Throwing fails the request with the hook's error.
   */
  afterResponse?(address: string, request: RpcRequest, response: RpcResponse): void;
}

/** The request view handed to hooks. */
class RequestView implements RpcRequest {
  readonly code: number;
  readonly language: number;
  readonly version: number;
  readonly flag: number;
  readonly remark: string | undefined;
  readonly serializeType: number;
  readonly extFields: Record<string, string>;
  #source: Uint8Array | undefined;
  #copy: Uint8Array | undefined;

  constructor(request: RemotingCommand, flag: number) {
    this.code = request.code;
    this.language = request.language;
    this.version = request.version;
    this.flag = flag;
    this.remark = request.remark;
    this.serializeType = request.serializeType;
    this.extFields = { ...request.extFields };
    this.#source = request.body;
  }

  get oneway(): boolean {
    return (this.flag & FrameFlag.ONEWAY) !== 0;
  }

  get body(): Uint8Array | undefined {
    if (this.#copy === undefined && this.#source !== undefined) this.#copy = this.#source.slice();
    return this.#copy;
  }
}

/** The response view handed to `afterResponse` hooks. */
class ResponseView implements RpcResponse {
  readonly code: number;
  readonly opaque: number;
  readonly language: number;
  readonly version: number;
  readonly remark: string | undefined;
  readonly extFields: Readonly<Record<string, string>>;
  #source: Uint8Array | undefined;
  #copy: Uint8Array | undefined;

  constructor(response: RemotingCommand) {
    this.code = response.code;
    this.opaque = response.opaque;
    this.language = response.language;
    this.version = response.version;
    this.remark = response.remark;
    this.extFields = Object.freeze({ ...response.extFields });
    this.#source = response.body;
  }

  get body(): Uint8Array | undefined {
    if (this.#copy === undefined && this.#source !== undefined) this.#copy = this.#source.slice();
    return this.#copy;
  }
}

/** One registered hook with its label. */
interface Entry {
  readonly hook: RpcHook;
  readonly label: string;
}

/**
 * The hooks of one remoting client, in registration order. Built once (see {@link from}); a
 * client without hooks holds `undefined`, so a request pays one check.
 */
export class RpcHooks {
  readonly #before: Entry[] = [];
  readonly #after: Entry[] = [];
  /** The hooks as given, in order. */
  readonly hooks: readonly RpcHook[];

  /**
   * @param hooks validated hooks
   */
  private constructor(hooks: readonly RpcHook[]) {
    this.hooks = hooks;
    hooks.forEach((hook, i) => {
      const label = typeof hook.name === "string" && hook.name !== ""
        ? hook.name
        : `rpcHooks[${i}]`;
      if (hook.beforeRequest !== undefined) this.#before.push({ hook, label });
      if (hook.afterResponse !== undefined) this.#after.push({ hook, label });
    });
  }

  /**
   * Validate and wrap hooks given as one object or a list.
   *
   * @param hooks one hook, a list, or undefined
   * @param field the option's name, for errors
   * @returns the chain, or undefined when there are no hooks
   * @throws ValidationError naming `field` or `field[i]` and the rule
   */
  static from(
    hooks: RpcHook | readonly RpcHook[] | undefined,
    field = "rpcHooks",
  ): RpcHooks | undefined {
    if (hooks === undefined) return undefined;
    const list: readonly RpcHook[] = Array.isArray(hooks) ? hooks : [hooks as RpcHook];
    list.forEach((h, i) => {
      const name = Array.isArray(hooks) ? `${field}[${i}]` : field;
      if (h === null || typeof h !== "object") throw new ValidationError(name, "must be an object");
      for (const m of ["beforeRequest", "afterResponse"] as const) {
        if (h[m] !== undefined && typeof h[m] !== "function") {
          throw new ValidationError(`${name}.${m}`, "must be a function");
        }
      }
      if (h.name !== undefined && typeof h.name !== "string") {
        throw new ValidationError(`${name}.name`, "must be a string");
      }
    });
    return list.length === 0 ? undefined : new RpcHooks([...list]);
  }

  /**
   * Run the `beforeRequest` hooks over a view of `request`, then give the request the view's
   * ext fields.
   *
   * @param address where the request goes
   * @param request the request (its `extFields` are replaced)
   * @param flag the flag bits it will carry
   * @returns the view (handed to `afterResponse` later)
   * @throws RpcHookError naming the hook that threw or left a non-string field
   */
  before(address: string, request: RemotingCommand, flag: number): RpcRequest {
    const view = new RequestView(request, flag);
    for (const { hook, label } of this.#before) {
      call(label, "beforeRequest", address, view, () => hook.beforeRequest!(address, view));
    }
    const fields = view.extFields;
    const out: Record<string, string> = {};
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (typeof value !== "string") {
        const last = this.#before[this.#before.length - 1]?.label ?? "rpcHooks";
        const cause = new ValidationError(`extFields.${key}`, "must be a string");
        throw new RpcHookError(last, "beforeRequest", address, request.code, cause);
      }
      out[key] = value;
    }
    request.extFields = request.extFields === undefined && Object.keys(out).length === 0
      ? undefined
      : out;
    return view;
  }

  /** True when some hook has `afterResponse`. */
  get hasAfter(): boolean {
    return this.#after.length > 0;
  }

  /**
   * Run the `afterResponse` hooks.
   *
   * @param address where the response came from
   * @param request the view the before-hooks saw
   * @param response the response
   * @throws RpcHookError naming the hook that threw
   */
  after(address: string, request: RpcRequest, response: RemotingCommand): void {
    const after = this.#after;
    if (after.length === 0) return;
    const view = new ResponseView(response);
    for (const { hook, label } of after) {
      call(
        label,
        "afterResponse",
        address,
        request,
        () => hook.afterResponse!(address, request, view),
      );
    }
  }
}

/** Call one hook; its throw (or a promise it returns) becomes a {@link RpcHookError}. */
function call(
  label: string,
  phase: "beforeRequest" | "afterResponse",
  address: string,
  request: RpcRequest,
  fn: () => unknown,
): void {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    throw new RpcHookError(label, phase, address, request.code, e);
  }
  if (typeof (result as { then?: unknown } | undefined)?.then === "function") {
    // A promise cannot hold the request back (hooks are synchronous): never ignore it silently.
    (result as Promise<unknown>).then(undefined, () => {});
    const cause = new ValidationError(label, "must not return a promise (hooks are synchronous)");
    throw new RpcHookError(label, phase, address, request.code, cause);
  }
}
