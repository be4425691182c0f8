import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import {
  createOffsetMessageId,
  decodeOffsetMessageId,
  decodeUniqIdTime,
  idText,
  UniqIdGenerator,
} from "../../src/codec/message-id.ts";
import { loadFixture } from "../fixtures.ts";

/** Local-time start of the month containing `ms`. */
function monthStart(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

const BASE = monthStart(Date.UTC(2026, 5, 15)); // some local June 1st, 00:00

Deno.test("UNIQ_KEY: the fixture layout (ip 127.0.0.1, pid 0x4E20, hash 0x0BADCAFE, 100 000 000 ms, counter 0x0801)", () => {
  const gen = new UniqIdGenerator({
    ip: new Uint8Array([127, 0, 0, 1]),
    pid: 0x14e20, // only the low 16 bits count
    hash: 0x0badcafe,
    clock: () => BASE + 100_000_000,
    counter: 0x0801,
  });
  assert.equal(gen.prefix, "7F0000014E200BADCAFE");
  assert.equal(gen.next(), "7F0000014E200BADCAFE05F5E1000801");
  assert.equal(gen.next(), "7F0000014E200BADCAFE05F5E1000802");
});

Deno.test("UNIQ_KEY: every fixture UNIQ_KEY has the generator's layout", async () => {
  const fx = await loadFixture("send-batch");
  const props = (fx.exchanges[0].observed!.messages as { properties: string }[]).map((m) =>
    m.properties
  );
  const gen = new UniqIdGenerator({
    pid: 0x4e20,
    hash: 0x0badcafe,
    clock: () => BASE + 100_000_000,
    counter: 0x1001,
  });
  for (const p of props) assert.ok(p.endsWith(`UNIQ_KEY\u0001${gen.next()}`), p);
});

Deno.test("UNIQ_KEY: counter wraps at 16 bits, time from the month start, upper-case", () => {
  let now = BASE + 0x0a0b0c0d;
  const gen = new UniqIdGenerator({ pid: 1, hash: -1, clock: () => now, counter: 0xffff });
  const a = gen.next();
  assert.equal(a, "7F0000010001FFFFFFFF0A0B0C0DFFFF");
  assert.equal(gen.next().slice(-4), "0000");
  now = BASE;
  assert.equal(gen.next().slice(20, 28), "00000000");
  assert.match(gen.next(), /^[0-9A-F]{32}$/);
});

Deno.test("UNIQ_KEY: month rollover recomputes the start; small backward steps clamp to 0", () => {
  let now = BASE + 1000;
  const gen = new UniqIdGenerator({ pid: 1, hash: 1, clock: () => now });
  assert.equal(gen.next().slice(20, 28), "000003E8");
  const nextMonth = monthStart(BASE + 40 * 86_400_000);
  now = nextMonth + 5;
  assert.equal(gen.next().slice(20, 28), "00000005", "recomputed at the month boundary");
  now = nextMonth - 999_999; // clock stepped back, within 1e6 ms
  assert.equal(gen.next().slice(20, 28), "00000000");
  now = nextMonth - 1_000_000; // further back: written as the negative int, as Java
  assert.equal(gen.next().slice(20, 28), "FFF0BDC0");
});

Deno.test("UNIQ_KEY: IPv6 ids are 56 characters; bad IPs are rejected", () => {
  const ip = new Uint8Array(16);
  ip[15] = 1;
  const gen = new UniqIdGenerator({ ip, pid: 2, hash: 3, clock: () => BASE });
  const id = gen.next();
  assert.equal(id.length, 56);
  assert.ok(id.startsWith("00000000000000000000000000000001000200000003"));
  assert.throws(() => new UniqIdGenerator({ ip: new Uint8Array(5) }), ValidationError);
  // Defaults: random pid and hash, 127.0.0.1.
  const d = new UniqIdGenerator();
  assert.ok(d.next().startsWith("7F000001"));
});

Deno.test("decodeUniqIdTime: inverse of the time field (getNearlyTimeFromID)", () => {
  const t = BASE + 123_456_789;
  const id = new UniqIdGenerator({ pid: 1, hash: 1, clock: () => t }).next();
  assert.equal(decodeUniqIdTime(id, t + 5000), t);
  // An id whose span lies in the future of `now` belongs to the previous month.
  const prevMonth = monthStart(BASE - 86_400_000);
  assert.equal(decodeUniqIdTime(id, BASE + 1000), prevMonth + 123_456_789);
  assert.equal(decodeUniqIdTime(id.toLowerCase(), t + 1), t);
  assert.throws(() => decodeUniqIdTime("ABC"), ValidationError);
});

Deno.test("offsetMsgId: fixture ids decode to 127.0.0.1:10911 and re-encode identically", async () => {
  const d = decodeOffsetMessageId("7F00000100002A9F0000000098D06B37");
  assert.deepEqual(d, { address: "127.0.0.1", port: 10911, offset: 0x98d06b37n });
  assert.equal(
    createOffsetMessageId("127.0.0.1", 10911, 0x98d06b37n),
    "7F00000100002A9F0000000098D06B37",
  );
  const fx = await loadFixture("send-batch");
  const ids = (fx.exchanges[0].response!.header!.extFields as Record<string, string>).msgId.split(
    ",",
  );
  assert.equal(ids.length, 3);
  for (const id of ids) {
    const x = decodeOffsetMessageId(id);
    assert.equal(x.port, 10911);
    assert.equal(createOffsetMessageId(x.address, x.port, x.offset), id);
  }
  // The compressed-send fixture's VIEW_MESSAGE_BY_ID used the decoded offset.
  const comp = await loadFixture("send-compressed");
  const msgId = (comp.exchanges[0].response!.header!.extFields as Record<string, string>).msgId;
  const offset = (comp.exchanges[1].request.header!.extFields as Record<string, string>).offset;
  assert.equal(decodeOffsetMessageId(msgId).offset, BigInt(offset));
});

Deno.test("offsetMsgId: IPv6, large offsets, lower case, errors", () => {
  const id = createOffsetMessageId("::1", 10911, 0x7fff_ffff_ffff_fff0n);
  assert.equal(id, "00000000000000000000000000000001" + "00002A9F" + "7FFFFFFFFFFFFFF0");
  assert.deepEqual(decodeOffsetMessageId(id), {
    address: "::1",
    port: 10911,
    offset: 0x7fff_ffff_ffff_fff0n,
  });
  assert.equal(
    decodeOffsetMessageId(createOffsetMessageId("[fe80::1:2]", 1, 0n)).address,
    "fe80::1:2",
  );
  assert.equal(
    decodeOffsetMessageId(createOffsetMessageId("1:2:3:4:5:6:7:8", 1, 0n)).address,
    "1:2:3:4:5:6:7:8",
  );
  assert.equal(
    decodeOffsetMessageId(createOffsetMessageId("::ffff:127.0.0.1", 1, 0n)).address,
    "::ffff:7f00:1",
  );
  assert.equal(decodeOffsetMessageId("7f00000100002a9f0000000098d06b37").offset, 0x98d06b37n);
  assert.throws(() => decodeOffsetMessageId("7F000001"), ValidationError);
  assert.throws(() => decodeOffsetMessageId("ZZ00000100002A9F0000000098D06B37"), ValidationError);
  assert.throws(() => createOffsetMessageId("256.0.0.1", 1, 0n), ValidationError);
  assert.throws(() => createOffsetMessageId("127.0.0.1", 70000, 0n), ValidationError);
  assert.throws(() => createOffsetMessageId("1::2::3", 1, 0n), ValidationError);
});

Deno.test("UNIQ_KEY: next(now) stamps the given time; lastStem + lastCounter spell the id", () => {
  for (const ip of [new Uint8Array([127, 0, 0, 1]), new Uint8Array(16).fill(0xab)]) {
    let clockReads = 0;
    const gen = new UniqIdGenerator({
      ip,
      pid: 0x4e20,
      hash: 0x0badcafe,
      clock: () => {
        clockReads++;
        return BASE + 5;
      },
      counter: 0xfffe,
    });
    const ids = [gen.next(BASE + 100_000_000), gen.next(BASE + 100_000_000), gen.next()];
    assert.equal(clockReads, 2, "constructor and the call without a time");
    for (const [i, expectedTime] of [[0, "05F5E100"], [1, "05F5E100"], [2, "00000005"]] as const) {
      const id = ids[i];
      assert.equal(id.slice(-12, -4), expectedTime);
    }
    // The bytes a writer copies: rebuild each id from lastStem and lastCounter right after next().
    for (const now of [BASE + 7, BASE + 7, BASE + 8]) {
      const id = gen.next(now);
      const stem = gen.lastStem;
      assert.equal(new TextDecoder().decode(stem.bytes), stem.text);
      assert.equal(stem.text + gen.lastCounter.toString(16).toUpperCase().padStart(4, "0"), id);
      assert.equal(idText(stem, gen.lastCounter), id);
    }
    // advance() makes the same ids as next() without their strings.
    const twin = new UniqIdGenerator({ ip, pid: 0x4e20, hash: 0x0badcafe, clock: () => BASE });
    const other = new UniqIdGenerator({ ip, pid: 0x4e20, hash: 0x0badcafe, clock: () => BASE });
    for (const now of [BASE + 9, BASE + 9, BASE + 10]) {
      twin.advance(now);
      assert.equal(idText(twin.lastStem, twin.lastCounter), other.next(now));
    }
  }
});
