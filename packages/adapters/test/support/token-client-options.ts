/** What a test changes of a token-authenticated client of a simulator. */
export interface TokenClientTuning {
  token?: string;
  timeoutMs?: number;
  retries?: number;
}

/**
 * The options of a client of `sim` that authenticates with a token: the simulator's own token, a 2 s
 * timeout and 2 retries unless the test says otherwise.
 */
export function tokenClientOptions(
  sim: { url: string; credentials: { token: string } },
  tuning: TokenClientTuning = {},
): { baseUrl: string; token: string; timeoutMs: number; retries: number } {
  return {
    baseUrl: sim.url,
    token: tuning.token ?? sim.credentials.token,
    timeoutMs: tuning.timeoutMs ?? 2000,
    retries: tuning.retries ?? 2,
  };
}
