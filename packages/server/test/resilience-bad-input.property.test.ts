/**
 * Property tests (fast-check): whatever a client posts to the intake or the operator events endpoint —
 * arbitrary JSON, text that is not JSON, or a valid body with one part broken (wrong type, missing,
 * huge, unicode, nested junk) — the answer is never a 5xx, and every 4xx names the problem: a non-empty
 * `message`, and for schema errors `errors[]` with the path of each bad field.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type CdflowClient, cdflowClient } from './support/cdflow-client.js';
import { type Harness, sampleRequest, startHarness, tokens } from './support/e2e-harness.js';

let h: Harness;
let client: CdflowClient;
let releaseKey: string;

beforeAll(async () => {
  // The intake answers at once (no wait for the Jira key): bodies that a mutation left valid create releases.
  h = await startHarness({
    sqlMode: 'manual',
    env: { CDFLOW_LOG_LEVEL: 'error' },
    config: { timings: { intakeIssueWaitMs: 0 } },
  });
  client = cdflowClient(h.url);
  const created = await h.intake(sampleRequest());
  releaseKey = String(created.body.key ?? created.body.releaseId);
});
afterAll(async () => {
  await h?.close();
});

const runs = { numRuns: 200 };

/** Nothing a client sends is a server error; every refusal says what is wrong. */
function expectClientAnswer(answer: Answer): void {
  expect(answer.status, answer.text).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(typeof answer.body.message, answer.text).toBe('string');
  expect(String(answer.body.message).trim().length, answer.text).toBeGreaterThan(0);
  if (answer.status === 400 && answer.body.error === 'invalid_request') {
    const errors = answer.body.errors as Array<{ path?: unknown; message?: unknown }>;
    expect(Array.isArray(errors) && errors.length > 0, answer.text).toBe(true);
    for (const e of errors) {
      expect(typeof e.path, answer.text).toBe('string');
      expect(String(e.message ?? '').length, answer.text).toBeGreaterThan(0);
    }
  }
}

/** Junk of every shape: deep nesting, unicode, huge strings, odd numbers. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ minLength: 2_000, maxLength: 20_000 }),
  fc.constantFrom(null, 0, -1, 1e308, true, false, '', ' ', '\u0000', '🚀'.repeat(100)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 50 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 10 }),
);

type Mutation = { kind: 'set'; path: string[]; value: unknown } | { kind: 'delete'; path: string[] };

/** The fields of the first item of each list that the mutations aim at. */
const firstItemFields: Record<string, string[]> = {
  sql_info: ['sql_id', 'sql_content', 'svn_path'],
  apollo_info: ['value'],
  config_info: ['name'],
  code_info: ['svn_version', 'tag'],
};

/** A path into the sample request: a top-level key, or a field of the first item of a list. */
const requestPaths: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom(
    ...Object.keys(sampleRequest()).map((k) => [k]),
    ...Object.entries(firstItemFields).flatMap(([list, fields]) => fields.map((field) => [list, '0', field])),
    ['sql_info', '0'],
    ['code_info', '5'],
  ),
  fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: requestPaths, value: junk }),
  fc.record({ kind: fc.constant('delete' as const), path: requestPaths }),
);

function mutate(body: Record<string, unknown>, mutations: Mutation[]): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const m of mutations) {
    let node: Record<string, unknown> = copy;
    for (const step of m.path.slice(0, -1)) {
      const next = node[step];
      if (next === null || typeof next !== 'object') {
        node[step] = {};
      }
      node = node[step] as Record<string, unknown>;
    }
    const last = m.path[m.path.length - 1] as string;
    if (m.kind === 'delete') delete node[last];
    else node[last] = m.value;
  }
  return copy;
}

describe('POST /cicdflow/ with random bodies', () => {
  it('never answers 5xx to arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (body) => {
        expectClientAnswer(await client.call('POST', '/cicdflow/', tokens.intake, JSON.stringify(body)));
      }),
      runs,
    );
  });

  it('never answers 5xx to text that is not JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (text) => {
        const answer = await client.call('POST', '/cicdflow/', tokens.intake, `{${text}`);
        expectClientAnswer(answer);
        expect(answer.status).toBe(400);
      }),
      runs,
    );
  });

  it('names the broken field of a valid request with one to three parts broken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = mutate(sampleRequest(), mutations);
        expectClientAnswer(await client.call('POST', '/cicdflow/', tokens.intake, body));
      }),
      runs,
    );
  }, 60_000);

  it('answers a wrong type on a required field with 400 and that field’s path', async () => {
    const fields = ['project', 'summary', 'env', 'sql_info', 'code_info'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.integer())),
        async (field, value) => {
          const answer = await client.call('POST', '/cicdflow/', tokens.intake, {
            ...sampleRequest(),
            [field]: value,
          });
          expect(answer.status, answer.text).toBe(400);
          expectClientAnswer(answer);
          const paths = (answer.body.errors as Array<{ path: string }>).map((e) => e.path);
          expect(
            paths.some((p) => p.includes(field)),
            answer.text,
          ).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('POST /api/releases/:key/events with random bodies', () => {
  const eventBody: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('SQL_CONFIRMED', 'FINISH', 'CONFIG_CONFIRMED', 'ISSUE_READY', 'NEW_ITERATION'),
          junk,
        ),
        by: junk,
        reason: junk,
        extra: junk,
      },
      { requiredKeys: [] },
    ),
  );

  it('never answers 5xx, for a known or an unknown release', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventBody,
        fc.oneof(fc.constant(releaseKey), fc.constant('AC-99999'), fc.string({ maxLength: 40 })),
        async (body, key) => {
          const answer = await client.call(
            'POST',
            `/api/releases/${encodeURIComponent(key)}/events`,
            tokens.operator,
            JSON.stringify(body),
          );
          expectClientAnswer(answer);
        },
      ),
      runs,
    );
  });
});
