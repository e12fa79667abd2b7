/**
 * What the runtime keeps in memory of a release it is working on: where it is (state, issue, revision),
 * the snapshot `decide` returned last (so the next decision does not restore it again), and the effects
 * queued and not finished, in order (so the effect runner never reads them back). The store stays the
 * truth: a head is loaded from it once, every write is checked against the head's revision (a writer
 * elsewhere makes the write fail and the head is dropped), and an idle head may be forgotten at any time.
 */
import { type Decision, describeRelease, type PersistedRelease, type ReleaseContext } from '@cdflow/core';
import type { CommitResult, OutboxRow } from '../store/release-repository.js';
import type { ReleaseStore } from '../store/release-store.js';

export interface ReleaseHead {
  releaseId: string;
  issueKey: string | null;
  state: string;
  revision: number;
  persisted: PersistedRelease;
  /** The machine's context as of `persisted`. */
  context: ReleaseContext;
  /** Effects queued and not finished, in run order (the release's effects run strictly in order). */
  pending: OutboxRow[];
}

/** Heads kept at most; idle ones (no effect queued) are forgotten first, oldest first. */
const defaultLimit = 5_000;

export class ReleaseHeads {
  private readonly heads = new Map<string, ReleaseHead>();
  private readonly issueWaiters = new Map<string, Set<(key: string | null) => void>>();

  constructor(
    private readonly store: ReleaseStore,
    /**
     * Other processes write the same releases (replicas on PostgreSQL): a head is checked against the
     * store's revision before it is decided on (`current`), and the effect queue in memory is not the truth.
     */
    readonly shared: boolean,
    private readonly limit = defaultLimit,
  ) {}

  /**
   * The release id a reference (release id or issue key) names, when its head is in memory: lets a
   * caller take the release's queue slot at once, in arrival order, without a store read first.
   */
  resolve(ref: string): string | undefined {
    if (this.heads.has(ref)) return ref;
    for (const head of this.heads.values()) if (head.issueKey === ref) return head.releaseId;
    return undefined;
  }

  /** The head in memory, if any (no store read). */
  peek(releaseId: string): ReleaseHead | undefined {
    return this.heads.get(releaseId);
  }

  /** The release's head, loaded from the store when it is not in memory; undefined for an unknown release. */
  async get(releaseId: string, store: ReleaseStore = this.store): Promise<ReleaseHead | undefined> {
    const known = this.heads.get(releaseId);
    if (known) return known;
    return this.load(releaseId, store);
  }

  /**
   * The head to decide on: the one in memory, unless another process wrote the release since (its
   * revision in the store moved on), then read again. Call it holding the release's lock.
   */
  async current(releaseId: string, store: ReleaseStore = this.store): Promise<ReleaseHead | undefined> {
    const known = this.heads.get(releaseId);
    if (!known) return this.load(releaseId, store);
    if (!this.shared) return known;
    const stored = await store.getHead(releaseId);
    if (!stored) {
      this.heads.delete(releaseId);
      return undefined;
    }
    return stored.revision === known.revision ? known : this.load(releaseId, store);
  }

  private async load(releaseId: string, store: ReleaseStore): Promise<ReleaseHead | undefined> {
    const row = await store.getForDecision(releaseId);
    if (!row) return undefined;
    const persisted = { machineVersion: row.machineVersion, snapshot: row.snapshot };
    const head: ReleaseHead = {
      releaseId,
      issueKey: row.issueKey,
      state: row.state,
      revision: row.revision,
      persisted,
      context: describeRelease(persisted).context,
      pending: await store.pendingEffects(releaseId),
    };
    this.remember(head);
    return head;
  }

  /** A release just created by `decision` (its first write returned `result`). */
  created(releaseId: string, decision: Decision, result: CommitResult): void {
    this.remember({
      releaseId,
      issueKey: decision.context.issueKey,
      state: decision.state,
      revision: result.revision ?? 1,
      persisted: decision.next,
      context: decision.context,
      pending: [...result.queued],
    });
    this.notifyIssue(releaseId, decision.context.issueKey);
  }

  /** An effect of the release finished; its outcome is written later (the queue in memory moves on). */
  finished(releaseId: string, id: number): void {
    const head = this.heads.get(releaseId);
    if (head) head.pending = head.pending.filter((row) => row.id !== id);
  }

  /**
   * A write on the release committed: the decision it carried (none for an outcome recorded as it is),
   * the effects it inserted, and the effects it finished.
   */
  committed(
    releaseId: string,
    decision: Decision | null,
    result: CommitResult,
    finished: readonly number[],
  ): void {
    const head = this.heads.get(releaseId);
    if (!head) return;
    if (decision?.accepted && result.revision !== null) {
      head.state = decision.state;
      head.revision = result.revision;
      head.persisted = decision.next;
      head.context = decision.context;
      head.issueKey = decision.context.issueKey ?? head.issueKey;
    }
    if (finished.length > 0) head.pending = head.pending.filter((row) => !finished.includes(row.id));
    if (result.queued.length > 0) {
      const last = head.pending.at(-1)?.id ?? 0;
      head.pending.push(...result.queued);
      // A retried effect goes back to its own place in the queue (its id), before the later ones, which
      // are due at once with it (as the store has them).
      if ((result.queued[0]?.id ?? last) < last) {
        head.pending.sort((a, b) => a.id - b.id);
        for (const row of head.pending) row.nextAttemptAt = 0;
      }
    }
    this.notifyIssue(releaseId, head.issueKey);
  }

  /** The store and the head disagree (another writer, or a failed write): read it again next time. */
  forget(releaseId: string): void {
    this.heads.delete(releaseId);
  }

  /**
   * The next effect of the release to run, as the runner sees it (attempts, next try, last error), without
   * loading the release: a release with effects queued is always in memory, so none here means none queued.
   */
  peekNext(releaseId: string): OutboxRow | undefined {
    return this.heads.get(releaseId)?.pending[0];
  }

  /** The next effect of the release to run, if any. */
  async nextEffect(releaseId: string): Promise<OutboxRow | undefined> {
    return (await this.get(releaseId))?.pending[0];
  }

  /** Some release in memory has an effect due at `now`. */
  dueEffect(now: number): boolean {
    for (const head of this.heads.values()) {
      const next = head.pending[0];
      if (next && next.nextAttemptAt <= now) return true;
    }
    return false;
  }

  /** Resolves with the release's Jira issue key once it is known, or null after `timeoutMs`. */
  waitForIssue(releaseId: string, timeoutMs: number): Promise<string | null> {
    const key = this.heads.get(releaseId)?.issueKey ?? null;
    if (key !== null || timeoutMs <= 0) return Promise.resolve(key);
    return new Promise((resolve) => {
      const waiters = this.issueWaiters.get(releaseId) ?? new Set();
      this.issueWaiters.set(releaseId, waiters);
      const done = (value: string | null) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        if (waiters.size === 0) this.issueWaiters.delete(releaseId);
        resolve(value);
      };
      const waiter = (issueKey: string | null) => done(issueKey);
      const timer = setTimeout(() => done(null), timeoutMs);
      waiters.add(waiter);
    });
  }

  /** Let every waiter go (shutting down): they answer without the key. */
  releaseWaiters(): void {
    for (const waiters of this.issueWaiters.values()) for (const waiter of [...waiters]) waiter(null);
    this.issueWaiters.clear();
  }

  private notifyIssue(releaseId: string, issueKey: string | null): void {
    if (issueKey === null) return;
    const waiters = this.issueWaiters.get(releaseId);
    if (!waiters) return;
    for (const waiter of [...waiters]) waiter(issueKey);
  }

  private remember(head: ReleaseHead): void {
    this.heads.delete(head.releaseId);
    this.heads.set(head.releaseId, head);
    if (this.heads.size <= this.limit) return;
    for (const [releaseId, other] of this.heads) {
      if (this.heads.size <= this.limit) break;
      if (other.pending.length === 0 && !this.issueWaiters.has(releaseId)) this.heads.delete(releaseId);
    }
  }
}
