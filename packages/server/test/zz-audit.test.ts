import { it } from 'vitest';
import { sampleRequest, startHarness } from './support/e2e-harness.js';

it('audit', async () => {
  const h = await startHarness({
    sqlMode: 'auto',
    config: { timings: { archeryPollMs: 20, cmdbPollMs: 20 } },
  });
  const res = await h.intake(sampleRequest({ config_info: [] }));
  const key = String(res.body.key);
  await h.waitForState(key, 'uatComplete');
  await new Promise((r) => setTimeout(r, 300));
  const rows = h.server.runtime['repo'].history((await h.release(key)).releaseId as string);
  let total = 0;
  for (const r of rows) {
    const n = JSON.stringify(r.detail ?? null).length;
    total += n;
    console.log(r.event.padEnd(28), r.actor.padEnd(10), n, JSON.stringify(r.detail).slice(0, 160));
  }
  console.log('rows', rows.length, 'detail bytes', total);
  const db = h.server.runtime['options'].store.sqlite;
  console.log(db.prepare('select type, status, length(payload) as p from outbox').all());
  console.log(
    db.prepare('select length(snapshot) s from releases').all(),
    db.prepare('select length(body) b from requests').all(),
  );
  console.log(
    db.prepare('select outcome, length(detail) d, length(delivery) dl from webhook_deliveries').all(),
  );
  await h.close();
});
