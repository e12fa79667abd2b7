/** The runtime's retry policies, from the configured timings (core's one `RetryPolicy` shape). */
import { compileRetryPolicy, type RetryPolicy } from '@cdflow/core';
import type { Timings } from '../config/server-config.js';

/** An effect that failed retryably is tried again, doubling the wait up to the maximum, until it succeeds. */
export function effectRetryPolicy(timings: Timings): RetryPolicy {
  return compileRetryPolicy({
    initialIntervalMs: timings.effectRetryBaseMs,
    maximumIntervalMs: timings.effectRetryMaxMs,
    backoffCoefficient: 2,
  });
}

/** How many times a Jira delivery whose issue cannot be re-read is tried (in this process). */
const deliveryAttempts = 6;

/** A delivery whose issue cannot be re-read is tried again a few times, then recorded as an error. */
export function deliveryRetryPolicy(timings: Timings): RetryPolicy {
  return compileRetryPolicy({
    maximumAttempts: deliveryAttempts,
    initialIntervalMs: timings.effectRetryBaseMs,
    maximumIntervalMs: timings.effectRetryMaxMs,
    backoffCoefficient: 2,
  });
}
