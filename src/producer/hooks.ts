/**
 * Hook lists of a producer (Java `checkForbiddenHookList` / `sendMessageHookList`): checkForbidden
 * hooks run in order and may refuse a send by throwing; sendMessageBefore / sendMessageAfter hooks
 * run in order around each attempt and their errors are reported, never thrown into the send.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { CheckForbiddenContext, ProducerHooks, SendMessageContext } from "./types.ts";

/** The registered hooks of one producer. */
export class HookList {
  readonly #forbidden: ((ctx: CheckForbiddenContext) => void)[] = [];
  readonly #before: ((ctx: SendMessageContext) => void)[] = [];
  readonly #after: ((ctx: SendMessageContext) => void)[] = [];
  readonly #onError: (hook: string, error: unknown) => void;

  /**
   * Create an empty list.
   *
   * @param onError receives errors thrown by before/after hooks
   */
  constructor(onError: (hook: string, error: unknown) => void) {
    this.#onError = onError;
  }

  /**
   * Register hooks (Java `registerCheckForbiddenHook` / `registerSendMessageHook`).
   *
   * @param hooks an object with any of the three hook methods
   * @param field field name for errors
   * @throws ValidationError when `hooks` is not an object of functions
   */
  add(hooks: ProducerHooks, field = "hooks"): void {
    if (hooks === null || typeof hooks !== "object") {
      throw new ValidationError(field, "must be an object");
    }
    for (const name of ["checkForbidden", "sendMessageBefore", "sendMessageAfter"] as const) {
      if (hooks[name] !== undefined && typeof hooks[name] !== "function") {
        throw new ValidationError(`${field}.${name}`, "must be a function");
      }
    }
    if (hooks.checkForbidden) this.#forbidden.push(hooks.checkForbidden.bind(hooks));
    if (hooks.sendMessageBefore) this.#before.push(hooks.sendMessageBefore.bind(hooks));
    if (hooks.sendMessageAfter) this.#after.push(hooks.sendMessageAfter.bind(hooks));
  }

  /** Java `hasCheckForbiddenHook`. */
  get hasCheckForbidden(): boolean {
    return this.#forbidden.length > 0;
  }

  /** Java `hasSendMessageHook`: any before or after hook. */
  get hasSendMessageHook(): boolean {
    return this.#before.length > 0 || this.#after.length > 0;
  }

  /**
   * Run the checkForbidden hooks; the first that throws refuses the send.
   *
   * @param ctx context
   */
  checkForbidden(ctx: CheckForbiddenContext): void {
    for (const f of this.#forbidden) f(ctx);
  }

  /**
   * Run the sendMessageBefore hooks.
   *
   * @param ctx context
   */
  before(ctx: SendMessageContext): void {
    for (const f of this.#before) {
      try {
        f(ctx);
      } catch (e) {
        this.#onError("sendMessageBefore", e);
      }
    }
  }

  /**
   * Run the sendMessageAfter hooks (ctx carries `sendResult` or `exception`).
   *
   * @param ctx context
   */
  after(ctx: SendMessageContext): void {
    for (const f of this.#after) {
      try {
        f(ctx);
      } catch (e) {
        this.#onError("sendMessageAfter", e);
      }
    }
  }
}
