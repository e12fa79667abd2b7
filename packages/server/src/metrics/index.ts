export * from './audit-tail.js';
export * from './cdflow-metrics.js';
export * from './metrics-route.js';
