/**
 * HTTP long-polling (PROTOCOL.md §A4): one GET held open by the server at a time, one POST at a time
 * carrying a batched payload. Binary travels as `b<base64>` records.
 */
import { decodePayload, encodePayload } from "@plexus/protocol";
import { ClientError, ClientErrorCodes } from "../errors.js";
import { platform } from "./platform.js";
import { type OutgoingPacket, Transport } from "./transport.js";

export class PollingTransport extends Transport {
  readonly name = "polling";
  private polling = false;
  private paused = false;
  private abortPoll: (() => void) | undefined;
  /** Runs once the transport is idle after `pause()`. */
  private onIdle: (() => void) | undefined;

  open(): void {
    this.poll();
  }

  override pause(onPaused: () => void): void {
    this.paused = true;
    this.onIdle = onPaused;
    this.checkIdle();
  }

  /**
   * The probe failed after `3probe` (the server closed it: an engine.io server whose `upgradeTimeout` passed
   * before our `5`): poll again instead of staying paused, so the session lives on over polling.
   * engine.io-client stays paused there and loses the session to its ping timeout.
   */
  override resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.onIdle = undefined;
    if (this.state === "open" && !this.polling) this.poll();
  }

  private checkIdle(): void {
    // While upgrading, the server answers the pending GET with a noop (§A7), and the POST in flight completes.
    if (this.onIdle === undefined || this.polling || (!this.writable && this.state === "open")) return;
    const cb = this.onIdle;
    this.onIdle = undefined;
    cb();
  }

  private poll(): void {
    this.polling = true;
    this.abortPoll = this.request(undefined, (body) => {
      this.abortPoll = undefined;
      this.onData(body);
    });
  }

  private onData(body: string): void {
    let packets: ReturnType<typeof decodePayload>;
    try {
      packets = decodePayload(body);
    } catch (err) {
      this.handler.onError(new ClientError(ClientErrorCodes.TRANSPORT, "xhr poll error", err));
      return;
    }
    for (const packet of packets) {
      if (this.state === "opening" && packet.type === "open") {
        this.state = "open";
        this.writable = true;
        this.handler.onOpen();
      }
      if (packet.type === "close") {
        this.onClosed({ description: "transport closed by the server" });
        return;
      }
      if (this.state === "closed") return;
      this.handler.onPacket(packet);
    }
    this.polling = false;
    if (this.state === "closed") return;
    if (this.paused) this.checkIdle();
    else if (this.state === "open") this.poll();
  }

  send(packets: readonly OutgoingPacket[]): void {
    this.writable = false;
    this.request(encodePayload(packets), () => {
      this.writable = true;
      // Drain first: the engine must drop the written packets before an upgrade takes over its buffer.
      this.handler.onDrain();
      if (this.paused) this.checkIdle();
    });
  }

  close(): void {
    const wasOpen = this.state === "open";
    this.state = "closed";
    // Tell the server (§A8); it answers the pending GET with a noop, which is then ignored. The POST is a
    // keepalive request: a close from `beforeunload` (closeOnBeforeunload) still reaches the server
    // when the page is torn down right after, so the server sees "transport close", not a dropped poll.
    if (wasOpen) this.request(encodePayload([{ type: "close" }]), () => {}, true);
    else this.abortPoll?.();
  }

  /** A failed GET is an `xhr poll error`, a failed POST an `xhr post error` (socket.io-client's messages). */
  private request(body: string | undefined, onOk: (body: string) => void, keepalive = false): () => void {
    const get = body === undefined;
    const req = {
      method: get ? "GET" : "POST",
      url: this.uri(false),
      opts: this.opts,
      body,
      keepalive,
    } as const;
    return platform().request(req, (err, text, context) => {
      if (err === null) onOk(text);
      else if (this.state !== "closed") {
        this.handler.onError(
          new ClientError(ClientErrorCodes.TRANSPORT, `xhr ${get ? "poll" : "post"} error`, err, context),
        );
      }
    });
  }
}
