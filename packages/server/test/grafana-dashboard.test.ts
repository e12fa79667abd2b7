import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CdflowMetrics } from '../src/metrics/cdflow-metrics.js';

interface Dashboard {
  title: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

const dashboard = JSON.parse(
  readFileSync(new URL('../grafana/cdflow-dashboard.json', import.meta.url), 'utf8'),
) as Dashboard;

describe('the Grafana dashboard', () => {
  it('charts only metrics cdflow exports, and every metric cdflow exports is charted', async () => {
    const exported = (await new CdflowMetrics({ processMetrics: false }).registry.getMetricsAsJSON()).map(
      (m) => m.name,
    );
    const charted = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        for (const [name] of target.expr.matchAll(/cdflow_[a-z_]+/g))
          charted.add(name.replace(/_(bucket|count|sum)$/, ''));
      }
    }
    expect([...charted].filter((name) => !exported.includes(name))).toEqual([]);
    expect(exported.filter((name) => !charted.has(name))).toEqual([]);
  });
});
