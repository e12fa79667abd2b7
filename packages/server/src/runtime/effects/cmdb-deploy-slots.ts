/**
 * Bounds the CMDB deploys in flight across releases (`timings.deployParallelism`): a deploy holds a slot
 * from the moment it is sent until it ends — for a synchronous CMDB the call itself, for the tasks
 * dialect until a poll sees its task end — not only while its request is on the wire. A deploy that
 * finds no free slot is not sent: its release hears `queued` and sends it again at its next CMDB poll.
 * Sent again, a deploy that still finds none waits here quietly (the effect is read again every
 * `everyMs`, deciding nothing) while nothing else of its release is queued behind it; as soon as
 * something is, it answers `queued` again, so a release's other work never waits on another release.
 *
 * Slots live in memory with a lease: a task whose release stopped polling it (deadline, stage left)
 * gives its slot back when the lease ends, and after a restart a poll that sees a task still running
 * takes its slot again, even over the bound (those deploys do run).
 *
 * Replicas (`taskLeaseMs`): any replica may poll a task another one started, and slots are one
 * process's memory, so a task's slot would stay with the replica that started it until its lease (the
 * stage's deadline) while another replica saw it end: enough of those and that replica sent no deploy
 * at all. There a task's slot has a short lease, renewed by each poll that sees it running on this
 * replica: each replica bounds the deploys it sends plus the tasks it has seen running lately, and a
 * task polled elsewhere gives its slot back here after that short lease.
 */
export class CmdbDeploySlots {
  /** Slot key → end of its lease (epoch ms). */
  private readonly held = new Map<string, number>();

  constructor(
    /** Deploys in flight at once (at least 1). */
    readonly size: number,
    /** How long a slot is kept without news of its deploy (the stage's deadline is a fit). */
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
    /** How long a started task keeps its slot without a poll here seeing it (replicas: short, see above). */
    private readonly taskLeaseMs = leaseMs,
  ) {}

  /** Deploys in flight now. */
  get inFlight(): number {
    this.sweep();
    return this.held.size;
  }

  /** Whether `take(key)` would hold a slot now (it takes none). */
  canTake(key: string): boolean {
    this.sweep();
    return this.held.has(key) || this.held.size < Math.max(1, this.size);
  }

  /** Take a slot for `key`: true when it holds one (already, or a free one), false when none is free. */
  take(key: string): boolean {
    if (this.canTake(key)) {
      this.held.set(key, this.now() + this.leaseMs);
      return true;
    }
    return false;
  }

  /** `key`'s deploy runs (a poll saw its task): keep its slot, taking one over the bound if need be. */
  hold(key: string): void {
    this.held.set(key, this.now() + this.taskLeaseMs);
  }

  /** The slot of `from` now belongs to `to` (a sent deploy became a task). */
  move(from: string, to: string): void {
    if (this.held.delete(from)) this.held.set(to, this.now() + this.taskLeaseMs);
  }

  free(key: string): void {
    this.held.delete(key);
  }

  private sweep(): void {
    const at = this.now();
    for (const [key, until] of this.held) if (until <= at) this.held.delete(key);
  }
}

/** The slot key of a running tasks-dialect deploy. */
export function cmdbTaskSlot(taskId: string): string {
  return `task:${taskId}`;
}
