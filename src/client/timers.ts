/**
 * Periodic tasks as `setTimeout` chains: the next run is scheduled only after the previous one
 * settled (no overlap when a name server is slow), every timer is `unref`'d where the runtime
 * supports it, and `stop()` clears the pending timer so nothing outlives the client.
 *
 * @module
 */

import { unrefTimer } from "./_host.ts";

export { unrefTimer };

type Timer = ReturnType<typeof setTimeout>;

/** setTimeout fires a delay above 2^31−1 ms at once (a busy loop), so delays are clamped to it. */
const MAX_DELAY_MS = 0x7fffffff;

/** A task run after `initialDelayMs`, then every `intervalMs` after each run settled. */
export class PeriodicTask {
  #timer: Timer | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  readonly #intervalMs: number;
  readonly #run: () => Promise<void> | void;

  /**
   * Schedule the task.
   *
   * @param initialDelayMs delay of the first run
   * @param intervalMs delay between the end of a run and the next
   * @param run the task; rejections are swallowed (the task reports its own failures)
   */
  constructor(initialDelayMs: number, intervalMs: number, run: () => Promise<void> | void) {
    this.#intervalMs = intervalMs;
    this.#run = run;
    this.#schedule(initialDelayMs);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      let p: Promise<void> | void;
      try {
        p = this.#run();
      } catch {
        p = undefined;
      }
      this.#running = Promise.resolve(p).catch(() => undefined).finally(() => {
        this.#running = undefined;
        this.#schedule(this.#intervalMs);
      });
    }, Math.min(Math.max(delay, 0), MAX_DELAY_MS));
    unrefTimer(this.#timer);
  }

  /**
   * Stop: clears the pending timer; a run in progress finishes but schedules nothing.
   *
   * @returns settles when the run in progress (if any) settled
   */
  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#running ?? Promise.resolve();
  }
}
