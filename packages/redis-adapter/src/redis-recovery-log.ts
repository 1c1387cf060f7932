/**
 * The recovery log of one namespace over Redis (redis-adapter layer): implements `RecoveryLogBroker` of
 * `@plexus/adapter` (its guarantees are stated there) with a Redis Stream, a hash for epoch and last id,
 * one channel every node subscribes to, and one key per session.
 *
 * - `<prefix>-recovery#{<nsp>}#log` (stream), `…#meta` (hash), channel `<prefix>-recovery#{<nsp>}#`:
 *   written by one Lua script per append (`recovery-scripts.ts`), so channel order is log order.
 * - `<prefix>-recovery#<nsp>#session#<pid>`: the session record (MessagePack), `SET … PX`, `GETDEL` on restore.
 * - Reads are bounded pages (`XRANGE … COUNT`). Whatever comes from Redis is checked: a malformed entry or
 *   record is dropped and counted (`ClusterRecovery.counters.badEntries`), never thrown.
 */
import { randomBytes } from "node:crypto";
import {
  type ClusterRecovery,
  entryFromWire,
  entryToWire,
  type LogEntry,
  type LogPage,
  type LogState,
  type RecoveryLogBroker,
  recordFromWire,
  recordToWire,
  type SessionRecord,
} from "@plexus/adapter";
import { APPEND_SCRIPT, READ_SCRIPT, STATE_SCRIPT, scriptSha } from "./recovery-scripts.js";
import { isNodeRedis, type RedisClient } from "./redis-client.js";
import type { RedisParser } from "./redis-codec.js";
import type { RedisLink } from "./redis-link.js";

export interface RedisRecoveryLogSettings {
  readonly prefix: string;
  readonly nsp: string;
  readonly parser: RedisParser;
  readonly sharded: boolean;
  /** Stream bound (`MAXLEN ~`): the recovery option `maxPackets`. */
  readonly maxLength: number;
  /** Entries older than this are trimmed (`MINID ~`): `maxDisconnectionDuration`. */
  readonly maxAgeMs: number;
}

const ID = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;
const PID = /^[A-Za-z0-9_-]{1,64}$/;
/** RESP blob strings as Buffers (node-redis `typeMapping`; `RESP_TYPES.BLOB_STRING`). */
const BUFFER_REPLIES = { typeMapping: { 36: Buffer } };
const SPACE = 0x20;

type Arg = string | Buffer;
type Fn = (...args: unknown[]) => Promise<unknown>;

/** Compares two decimal strings without leading zeros. */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString();
  return typeof value === "string" ? value : "";
}

export class RedisRecoveryLog implements RecoveryLogBroker {
  readonly channel: string;
  private readonly keys: [stream: string, meta: string];
  private readonly sessionPrefix: string;
  private readonly pub: RedisClient;
  private readonly nodeRedis: boolean;
  private readonly shas = {
    append: scriptSha(APPEND_SCRIPT),
    state: scriptSha(STATE_SCRIPT),
    read: scriptSha(READ_SCRIPT),
  };
  private readonly link: RedisLink;
  private readonly settings: RedisRecoveryLogSettings;
  private readonly handler = (channel: string, message: Buffer): void => this.onMessage(channel, message);
  private recovery: ClusterRecovery | undefined;
  /**
   * The epoch this node proposes when it finds the log missing: drawn once, drawn again as soon as a log
   * with it is seen (so a log lost twice never gets an epoch back), not per append.
   */
  private candidate = newEpoch();
  /** When the last append asked for the age trim (`MINID`), ms: at most once a second. */
  private lastTrim = 0;

  constructor(link: RedisLink, settings: RedisRecoveryLogSettings) {
    this.link = link;
    this.settings = settings;
    this.pub = link.pub;
    this.nodeRedis = isNodeRedis(link.pub);
    const base = `${settings.prefix}-recovery#{${settings.nsp}}#`;
    this.channel = base;
    this.keys = [`${base}log`, `${base}meta`];
    this.sessionPrefix = `${settings.prefix}-recovery#${settings.nsp}#session#`;
  }

  /** Subscribes to the log's channel, then hands `recovery` the log's state. */
  async attach(recovery: ClusterRecovery): Promise<void> {
    this.recovery = recovery;
    await this.link.subscribe([this.channel], this.settings.sharded ? "shard" : "channel", this.handler);
    await recovery.start();
  }

  close(): void {
    this.recovery = undefined;
    this.link.unsubscribe([this.channel], this.settings.sharded ? "shard" : "channel", this.handler);
    this.link.removeHandler(this.handler);
  }

  // ---- the log -----------------------------------------------------------------------------------------

  append(entry: LogEntry): boolean {
    if (!this.link.publisherReady) return false;
    const payload = this.settings.parser.encode(entryToWire(entry));
    const { maxLength, maxAgeMs, sharded } = this.settings;
    const now = performance.now();
    let trimAge = 0;
    if (now - this.lastTrim >= 1000) {
      this.lastTrim = now;
      trimAge = maxAgeMs;
    }
    this.evalScript(
      APPEND_SCRIPT,
      this.shas.append,
      [
        toBuffer(payload),
        String(maxLength),
        String(trimAge),
        this.candidate,
        this.channel,
        sharded ? "SPUBLISH" : "PUBLISH",
      ],
      false,
    ).catch(() => {
      if (this.recovery !== undefined) this.recovery.counters.unlogged++;
    });
    return true;
  }

  async state(): Promise<LogState> {
    const reply = await this.evalScript(STATE_SCRIPT, this.shas.state, [newEpoch()], false);
    if (!Array.isArray(reply) || reply.length !== 3)
      throw new TypeError("unexpected reply to the state script");
    return { epoch: text(reply[0]), last: text(reply[1]), maxDeleted: text(reply[2]) };
  }

  async read(after: string, count: number): Promise<LogPage | undefined> {
    const reply = await this.evalScript(READ_SCRIPT, this.shas.read, [after, String(count)], true);
    if (!Array.isArray(reply) || reply.length !== 4 || !Array.isArray(reply[3])) return undefined;
    const entries: Array<readonly [string, LogEntry | undefined]> = [];
    for (const item of reply[3] as unknown[]) {
      if (!Array.isArray(item) || item.length !== 2) continue;
      const id = text(item[0]);
      if (!ID.test(id)) continue;
      const fields = item[1];
      const value = Array.isArray(fields) && fields.length === 2 ? fields[1] : undefined;
      entries.push([id, Buffer.isBuffer(value) ? this.decodeEntry(value) : undefined]);
    }
    return { epoch: text(reply[0]), last: text(reply[1]), maxDeleted: text(reply[2]), entries };
  }

  compare(a: string, b: string): number {
    const i = a.indexOf("-");
    const j = b.indexOf("-");
    return compareDecimal(a.slice(0, i), b.slice(0, j)) || compareDecimal(a.slice(i + 1), b.slice(j + 1));
  }

  isId(id: string): boolean {
    return ID.test(id);
  }

  // ---- sessions ----------------------------------------------------------------------------------------

  writeSession(pid: string, record: SessionRecord, ttlMs: number): void {
    if (!PID.test(pid)) return;
    const payload = this.settings.parser.encode(recordToWire(record));
    this.send(
      ["SET", this.sessionPrefix + pid, toBuffer(payload), "PX", String(Math.max(1, ttlMs))],
      false,
    ).then(undefined, noop);
  }

  refreshSessions(pids: readonly string[], ttlMs: number): void {
    const ttl = String(Math.max(1, ttlMs));
    for (const pid of pids)
      this.send(["PEXPIRE", this.sessionPrefix + pid, ttl], false).then(undefined, noop);
  }

  deleteSession(pid: string): void {
    if (PID.test(pid)) this.send(["DEL", this.sessionPrefix + pid], false).then(undefined, noop);
  }

  async takeSession(pid: string): Promise<SessionRecord | null | undefined> {
    if (!PID.test(pid)) return undefined;
    let reply: unknown;
    try {
      reply = await this.send(["GETDEL", this.sessionPrefix + pid], true);
    } catch {
      return undefined;
    }
    if (reply === null || reply === undefined) return undefined;
    if (!Buffer.isBuffer(reply)) return null;
    try {
      return recordFromWire(this.settings.parser.decode(reply)) ?? null;
    } catch {
      return null;
    }
  }

  // ---- receiving ---------------------------------------------------------------------------------------

  /** `<epoch> <prev> <id> <entry>`; a bad header is dropped, a bad entry is handed on as `undefined` (its id counts). */
  private onMessage(channel: string, message: Buffer): void {
    if (channel !== this.channel) return;
    const recovery = this.recovery;
    if (recovery === undefined) return;
    const a = message.indexOf(SPACE);
    const b = a < 0 ? -1 : message.indexOf(SPACE, a + 1);
    const c = b < 0 ? -1 : message.indexOf(SPACE, b + 1);
    if (c < 0 || a === 0 || a > 32) {
      recovery.counters.badEntries++;
      return;
    }
    const epoch = message.toString("latin1", 0, a);
    if (epoch === this.candidate) this.candidate = newEpoch();
    const prev = message.toString("latin1", a + 1, b);
    const id = message.toString("latin1", b + 1, c);
    if (!ID.test(id) || (prev !== "" && !ID.test(prev))) {
      recovery.counters.badEntries++;
      return;
    }
    recovery.receive(epoch, prev, id, this.decodeEntry(message.subarray(c + 1)));
  }

  private decodeEntry(bytes: Uint8Array): LogEntry | undefined {
    try {
      return entryFromWire(this.settings.parser.decode(bytes));
    } catch {
      return undefined;
    }
  }

  // ---- commands ----------------------------------------------------------------------------------------

  /** EVALSHA, or EVAL when Redis does not know the script (it restarted). */
  private async evalScript(script: string, sha: string, argv: Arg[], buffers: boolean): Promise<unknown> {
    const keys = ["2", this.keys[0], this.keys[1]];
    try {
      return await this.send(["EVALSHA", sha, ...keys, ...argv], buffers);
    } catch (err) {
      if (!String((err as Error)?.message).includes("NOSCRIPT")) throw err;
      return this.send(["EVAL", script, ...keys, ...argv], buffers);
    }
  }

  /** A command on the publishing connection (queued by the client while it reconnects). */
  private send(args: Arg[], buffers: boolean): Promise<unknown> {
    const client = this.pub as Record<string, unknown>;
    try {
      if (this.nodeRedis) {
        return (client.sendCommand as Fn).call(client, args, buffers ? BUFFER_REPLIES : undefined);
      }
      return (client[buffers ? "callBuffer" : "call"] as Fn).call(client, ...args);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

function noop(): void {}

function toBuffer(payload: Uint8Array | string): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
}

/** 8 url-safe characters (48 random bits). */
function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}
