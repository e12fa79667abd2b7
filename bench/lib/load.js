/**
 * Load generation on loopback with autocannon (a well-kept HTTP benchmarking library with HDR
 * histograms), so the suites do not hand-roll request loops or percentile maths.
 */
import autocannon from 'autocannon';

/**
 * Run autocannon and return the figures the report needs. `requests` follows autocannon's API
 * (`setupRequest` may rewrite the body per request, e.g. a unique release summary).
 */
export async function load({ url, connections = 10, duration, amount, requests, warmup = true }) {
  const base = { url, connections, requests, ...(amount ? { amount } : { duration }) };
  if (warmup) await autocannon({ ...base, amount: undefined, duration: 1 });
  const result = await autocannon(base);
  const ok = result['2xx'];
  return {
    connections,
    seconds: round2(result.duration),
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: round2(ok / result.duration),
    p50Ms: result.latency.p50,
    meanMs: result.latency.average,
    p99Ms: result.latency.p99,
  };
}

const round2 = (n) => Math.round(n * 100) / 100;

/** A load whose requests failed measures the failures: refuse to report it as a throughput. */
export function assertHealthy(name, figures) {
  const bad = figures.non2xx + figures.errors + figures.timeouts;
  if (figures.ok === 0 || bad > figures.requests * 0.01) {
    throw new Error(
      `${name}: ${figures.ok} answers 2xx of ${figures.requests} (non-2xx ${figures.non2xx}, errors ${figures.errors}, timeouts ${figures.timeouts}); the figure would be meaningless`,
    );
  }
}
