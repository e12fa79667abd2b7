/**
 * GET /metrics parsed by a Prometheus text-format parser (parse-prometheus-text-format, a port of the
 * Prometheus Python client's parser; it throws on a malformed line), with look-ups by metric name and
 * labels. That parser folds every series of a histogram into one (it expects histograms without labels
 * of their own), so a labelled histogram's count is read from its `<name>_count{…}` sample lines.
 */
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

export interface Scrape {
  families: ParsedFamily[];
  /** A counter's or gauge's value (0 when the series is absent). */
  value(name: string, labels?: Record<string, string>): number;
  /** Sum over every series of `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
  /** A histogram's sample count, summed over matching series. */
  histogramCount(name: string, labels?: Record<string, string>): number;
}

function matches(sample: { labels?: Record<string, string> }, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v);
}

/** `name_count{a="x",b="y"} 3` → labels and value, for every sample line of `name_count`. */
function countLines(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_count(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

export function parseScrape(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const family = (name: string) => families.find((f) => f.name === name);
  const scrape: Scrape = {
    families,
    value(name, labels = {}) {
      const sample = family(name)?.metrics.find(
        (m) => matches(m, labels) && Object.keys(m.labels ?? {}).length === Object.keys(labels).length,
      );
      return sample?.value === undefined ? 0 : Number(sample.value);
    },
    sum(name, labels = {}) {
      return (family(name)?.metrics ?? [])
        .filter((m) => matches(m, labels))
        .reduce((total, m) => total + Number(m.value ?? 0), 0);
    },
    histogramCount(name, labels = {}) {
      if (family(name)?.type !== 'HISTOGRAM') return 0;
      return countLines(text, name)
        .filter((m) => matches(m, labels))
        .reduce((total, m) => total + m.value, 0);
    },
  };
  return scrape;
}

export async function scrapeMetrics(url: string, token: string | null): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status !== 200) throw new Error(`GET /metrics → ${res.status} ${await res.text()}`);
  return parseScrape(await res.text());
}
