/**
 * The CLI's I/O over the running process: `node:process` and `node:fs`, which Node, Deno and Bun
 * all provide. The one runtime-touching module of the CLI (the commands see only {@link CliIo}).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import process from "node:process";
import type { CliIo } from "./_args.ts";

/**
 * {@link CliIo} over this process's standard streams, environment, files and signals.
 *
 * @returns the I/O
 */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    async readStdin() {
      const chunks: Uint8Array[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
      const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.length;
      }
      return body;
    },
    onStop(listener) {
      const handler = (signal: string): void => {
        remove();
        listener(signal);
      };
      const remove = (): void => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
      };
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      return remove;
    },
  };
}
