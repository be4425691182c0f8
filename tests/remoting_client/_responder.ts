/**
 * A tiny loopback remoting peer for the client tests: decodes frames and answers through a
 * per-test behaviour callback.
 */
import * as net from "node:net";
import { FrameFlag } from "../../src/remoting/codes.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { encodeFrame } from "../../src/remoting/frame.ts";
import { FrameDecoder } from "../../src/remoting/frame-decoder.ts";

/** What the responder does with one request: answer, ignore, or act on the socket. */
export type Behaviour = (
  request: RemotingCommand,
  peer: Peer,
) => RemotingCommand | undefined | void;

/** One accepted client connection. */
export interface Peer {
  socket: net.Socket;
  send(cmd: RemotingCommand): void;
}

/** The running responder. */
export interface Responder {
  address: string;
  /** Requests received from clients, in order. */
  requests: RemotingCommand[];
  /** Responses received from clients (answers to our requests), in order. */
  responses: RemotingCommand[];
  peers: Peer[];
  accepted(): number;
  closedConnections(): number;
  /** Resolves once `condition()` holds (checked after every event). */
  until(condition: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/** The default behaviour: code 0, same opaque, echoed body and extFields, remark "ok". */
export const echo: Behaviour = (request) => ({
  code: 0,
  language: 0,
  version: 409,
  opaque: request.opaque,
  flag: FrameFlag.RESPONSE,
  remark: "ok",
  extFields: request.extFields,
  body: request.body,
  serializeType: request.serializeType,
});

/** Start a responder on 127.0.0.1, port 0. */
export function startResponder(behaviour: Behaviour = echo): Promise<Responder> {
  const requests: RemotingCommand[] = [];
  const responses: RemotingCommand[] = [];
  const peers: Peer[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let closed = 0;
  let waiters: { condition: () => boolean; done: () => void }[] = [];
  const check = (): void => {
    waiters = waiters.filter((w) => {
      if (!w.condition()) return true;
      w.done();
      return false;
    });
  };
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    const peer: Peer = {
      socket,
      send: (cmd) => {
        if (!socket.destroyed) socket.write(encodeFrame(cmd, { jsonStyle: "server" }));
      },
    };
    peers.push(peer);
    const decoder = new FrameDecoder((cmd) => {
      if ((cmd.flag & FrameFlag.RESPONSE) !== 0) responses.push(cmd);
      else {
        requests.push(cmd);
        const answer = behaviour(cmd, peer);
        if (answer) peer.send(answer);
      }
    });
    socket.on("data", (chunk: Uint8Array) => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
      check();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      closed++;
      sockets.delete(socket);
      check();
    });
    check();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        address: `127.0.0.1:${port}`,
        requests,
        responses,
        peers,
        accepted: () => accepted,
        closedConnections: () => closed,
        until: (condition) =>
          condition() ? Promise.resolve() : new Promise<void>((done) => {
            waiters.push({ condition, done });
          }),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A request command with defaults. */
export function request(code: number, fields: Partial<RemotingCommand> = {}): RemotingCommand {
  return {
    code,
    language: 7,
    version: 401,
    opaque: 0,
    flag: 0,
    serializeType: 0,
    ...fields,
  };
}
