/**
 * How cdflow is watched: who may read `GET /metrics` (the CDFLOW_CONFIG `metrics` section) and where the
 * release transitions stream for the Stately inspector (CDFLOW_INSPECT_URL, a ws:// or wss:// URL).
 */
import Type, { type Static } from 'typebox';

export interface MetricsSettings {
  /**
   * false (default): `/metrics` takes the same credentials as the other reads (a bearer token: the
   * operator, intake or a person token). true: open to anyone who reaches the port (a scrape network).
   */
  public: boolean;
}

export const metricsFileSchema = Type.Object(
  { public: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export function resolveMetricsSettings(file: Static<typeof metricsFileSchema> | undefined): MetricsSettings {
  return { public: file?.public ?? false };
}

/** CDFLOW_INSPECT_URL, validated: null when unset. */
export function resolveInspectUrl(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push('CDFLOW_INSPECT_URL: expected a WebSocket URL such as ws://127.0.0.1:8080');
    return null;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    problems.push(`CDFLOW_INSPECT_URL: expected ws:// or wss://, got the protocol "${url.protocol}"`);
    return null;
  }
  return raw;
}
