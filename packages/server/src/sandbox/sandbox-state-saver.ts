/**
 * Keeps the sandbox's state file up to date while the server runs: a change (a release committed a
 * decision, the control API acted) saves the simulators shortly after, coalescing a burst of changes into
 * one write; a slow check also catches what changed without telling (a person's comment in the simulated
 * Jira, an Archery order finishing in the background); the clean stop writes last, after the runtime has
 * finished its effects. Nothing is written when nothing changed.
 */
import type { Sandbox } from '@cdflow/sandbox';
import type { Logger } from '../http/create-logger.js';
import type { ReleaseRuntimeApi } from '../runtime/runtime-api.js';
import { simulatorsText, writeSandboxState } from './sandbox-state-file.js';

export interface SandboxStateSaverOptions {
  sandbox: Sandbox;
  path: string;
  logger: Logger;
  /** How long after a change the state is written (changes meanwhile join that write). Default 250 ms. */
  coalesceMs?: number;
  /** How often the state is compared with the last write when nothing signalled a change. Default 5 s. */
  checkEveryMs?: number;
}

export class SandboxStateSaver {
  private last: string | null = null;
  private pending: NodeJS.Timeout | null = null;
  private interval: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private failing = false;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: SandboxStateSaverOptions) {}

  /** Start the periodic check and save after every change the runtime commits. */
  start(runtime: Pick<ReleaseRuntimeApi, 'subscribe'>): void {
    this.unsubscribe = runtime.subscribe(() => this.changed());
    this.interval = setInterval(() => void this.save(), this.options.checkEveryMs ?? 5_000);
    this.interval.unref();
  }

  /** Something changed in the simulators: save soon. */
  changed(): void {
    if (this.stopped || this.pending !== null) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      void this.save();
    }, this.options.coalesceMs ?? 250);
    this.pending.unref();
  }

  /** Save now if the simulators differ from the last write (writes never overlap). */
  save(): Promise<void> {
    this.writing = this.writing.then(() => this.writeIfChanged());
    return this.writing;
  }

  /** The last write, after the runtime stopped: call once every effect has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.pending !== null) clearTimeout(this.pending);
    if (this.interval !== null) clearInterval(this.interval);
    await this.save();
  }

  private async writeIfChanged(): Promise<void> {
    const text = simulatorsText(this.options.sandbox);
    if (text === this.last) return;
    try {
      await writeSandboxState(this.options.path, text);
      this.last = text;
      if (this.failing) this.options.logger.info({ path: this.options.path }, 'sandbox state saved again');
      this.failing = false;
    } catch (error) {
      // Logged once per streak: the next change tries again.
      if (!this.failing) {
        this.options.logger.warn(
          { path: this.options.path, err: (error as Error).message },
          'could not save the sandbox state: a restart now would start on a fresh database',
        );
      }
      this.failing = true;
    }
  }
}
