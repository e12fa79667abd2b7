import { describe, expect, it } from 'vitest';
import { KeyQueue } from '../src/runtime/key-queue.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the per-release queue', () => {
  it('runs one key’s tasks one at a time in arrival order, even when they await', async () => {
    const queue = new KeyQueue();
    const log: string[] = [];
    const tasks = [3, 1, 2].map((waits, i) =>
      queue.run('rel-a', async () => {
        log.push(`start ${i}`);
        for (let n = 0; n < waits; n += 1) await tick();
        log.push(`end ${i}`);
        return i;
      }),
    );
    expect(await Promise.all(tasks)).toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('lets other keys proceed while one key waits', async () => {
    const queue = new KeyQueue();
    let release: () => void = () => {};
    const blocked = queue.run(
      'rel-a',
      () => new Promise<string>((resolve) => (release = () => resolve('a'))),
    );
    expect(await queue.run('rel-b', () => 'b')).toBe('b');
    release();
    expect(await blocked).toBe('a');
  });

  it('keeps going after a task fails, and reports the failure to its caller only', async () => {
    const queue = new KeyQueue();
    const failing = queue.run('rel-a', () => {
      throw new Error('boom');
    });
    const next = queue.run('rel-a', () => 'after');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('after');
    await queue.drained();
    expect(queue.activeKeys).toBe(0);
  });
});
