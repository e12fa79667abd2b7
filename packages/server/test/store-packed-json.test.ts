import { describe, expect, it } from 'vitest';
import { packJson, unpackJson } from '../src/store/packed-json.js';

const snapshot = JSON.stringify({
  status: 'active',
  value: { sqlExecuting: 'watching' },
  historyValue: {},
  context: {
    releaseId: 'rel-0123456789abcdef0123',
    summary: '【A18】【升级】订单导出 — 支持按地区',
    settings: { sqlMode: 'auto', archeryPollMs: 10000, cmdbPollMs: 10000, policyGate: true },
    request: { storedRequestId: 42, withSqlTexts: true },
    sqlOrders: [{ sqlId: 'a18-01', seq: 1, workflowId: 7, status: 'workflow_manreviewing', error: null }],
    sqlTexts: { 'db/a18/01.sql@2001': { text: "UPDATE store SET region = 'north';", encoding: 'utf-8' } },
  },
  children: {},
});

describe('a snapshot as SQLite stores it (packed JSON)', () => {
  it('reads back exactly as written, non-ASCII text included, and takes far fewer bytes', () => {
    const packed = packJson(snapshot);
    expect(packed).toBeInstanceOf(Uint8Array);
    expect(packed[0]).toBe(1);
    expect(unpackJson(packed)).toBe(snapshot);
    expect(packed.length).toBeLessThan(Buffer.byteLength(snapshot) / 2);
  });

  it('reads a value stored as text (before packing) as it is', () => {
    expect(unpackJson(snapshot)).toBe(snapshot);
  });

  it('refuses a value of a packing format it does not know, naming the format', () => {
    const unknown = Buffer.concat([Buffer.of(9), packJson(snapshot).subarray(1)]);
    expect(() => unpackJson(unknown)).toThrow(/unknown packing format 9/);
  });
});
