// Shapes shared by the receiver (Node) and the tests that read it (workerd or Node).

/** One request the receiver got. */
export interface ReceivedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** How the receiver answers one call. */
export interface ProgrammedResponse {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (to provoke timeouts). */
  delay_ms?: number;
  /** Answer as a hostile target instead (test/support/hostile-target.ts). */
  hostile?: HostileAnswer;
}

/**
 * A hostile answer: a gzip, deflate or br body that inflates to 256 MiB–1 GiB under its small
 * compressed Content-Length; 16 KiB of control bytes under 60 headers of 4 KiB; no answer; or
 * headers and the start of a body that never ends.
 */
export type HostileAnswer =
  | "gzip-bomb"
  | "deflate-bomb"
  | "br-bomb"
  | "control-bytes"
  | "silent"
  | "stalled-body";
