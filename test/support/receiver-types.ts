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
}
