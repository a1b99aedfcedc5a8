import type { Socket } from 'node:net';

/**
 * What a correct client reports for a scenario: the onepool error class name, or 'ok' for a response.
 * An array lists every outcome the RFCs allow (e.g. obs-fold may be unfolded or rejected); the
 * reliability suite accepts any of them but never a hang, a crash or a mismatched response.
 */
export type Outcome =
  | 'ok'
  | 'ResponseError'
  | 'ResponseTooLargeError'
  | 'ReadTimeoutError'
  | 'WriteTimeoutError'
  | 'ConnectTimeoutError'
  | 'TLSError'
  | 'ConnectError'
  | 'ConnectionClosedError';

/** Everything a test needs to drive a scenario, without the server code. Plain data: crosses IPC. */
export interface ScenarioInfo {
  name: string;
  /** One line: what the server does. */
  summary: string;
  expect: Outcome | readonly Outcome[];
  scheme: 'http' | 'https';
  /** 'h2' scenarios only negotiate h2 over ALPN; the client must allow HTTP/2. */
  protocol: 'h1' | 'h2';
  /** Method the client should send (HEAD for head-with-body, POST for flow-control cases). */
  method: 'GET' | 'HEAD' | 'POST';
  /** Request body for POST scenarios; large enough to exceed a 64 KiB window where that matters. */
  bodyBytes?: number;
  /** How the client should configure TLS: trust the fixture CA, or skip verification. */
  tls?: 'ca' | 'verify-off';
  /** Client timeouts (ms) that make the expected outcome arrive quickly. */
  timeout: { connect: number; read: number; total?: number };
  /**
   * When the exchange succeeds, the same server answers further requests correctly, so a test can
   * check that this exchange did not poison them: each next request must get its own response
   * (matching `x-request-id`), on a new connection or a reused one. False for servers that never answer.
   */
  followUpOk: boolean;
  /** Why the expected outcome is right, or what a test must also check. */
  note?: string;
}

/** A request as the fixture parsed it off the wire (HTTP/1.1) or saw it on a stream (h2). */
export interface SeenRequest {
  conn: number;
  method: string;
  path: string;
  /** The `x-request-id` the client sent, if any; scenarios echo it so mismatches are detectable. */
  requestId?: string;
  /** h2 only. */
  streamId?: number;
}

/** What one scenario's server observed since it started or was last reset. */
export interface Observed {
  connections: number;
  bytesReceived: number;
  requests: SeenRequest[];
  /** Notable server-side facts, e.g. 'goaway sent last=3', 'stream opened above limit'. */
  events: string[];
  /** h2: the most streams open at once on one session. */
  maxConcurrentStreams: number;
}

/** Per-connection helpers whose timers die with the socket, so no fixture loop outlives its client. */
export interface ConnCtx {
  id: number;
  sock: Socket;
  event(what: string): void;
  after(ms: number, fn: () => void): void;
  /** Runs `fn(i)` every `ms`, at most `count` times, stopping early if it returns false. */
  every(ms: number, count: number, fn: (i: number) => boolean | undefined): void;
}

export interface ParsedRequest {
  method: string;
  path: string;
  headers: Map<string, string>;
  requestId: string;
  /** 0-based index of this request on its connection. */
  index: number;
}
