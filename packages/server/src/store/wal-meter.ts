/**
 * Counts the bytes commits append to the write-ahead log. SQLite does not report them, but its WAL index
 * (the `-shm` file every connection maps) starts with a header holding the last valid frame (`mxFrame`)
 * and the salt of the current log; the salt changes when a checkpoint lets the next writer restart the
 * log from its beginning. Reading those 48 bytes after each commit of this (the only writing) connection
 * gives the frames each commit added, checkpoints included, without stopping the automatic checkpoints.
 * Layout: WalIndexHdr in SQLite's wal.c (native byte order): szPage u16 at 14, mxFrame u32 at 16,
 * aSalt[0] u32 at 32.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

const headerBytes = 48;
const frameHeaderBytes = 24;
const littleEndian = endianness() === 'LE';

export class WalMeter {
  private fd: number | null = null;
  private unavailable = false;
  private readonly header = Buffer.alloc(headerBytes);
  private salt: number | null = null;
  private lastFrame = 0;
  private bytes = 0;

  constructor(private readonly shmPath: string) {}

  /** Take the log as it is now as the starting point (frames written before are not counted). */
  start(): void {
    const now = this.read();
    if (!now) return;
    this.salt = now.salt;
    this.lastFrame = now.frame;
  }

  /** Call after a commit: adds the frames it appended. */
  afterCommit(): void {
    const now = this.read();
    if (!now) return;
    // A new salt means the log restarted at frame 1: every frame in it now was written since.
    const added =
      now.salt === this.salt && now.frame >= this.lastFrame ? now.frame - this.lastFrame : now.frame;
    this.bytes += added * (now.pageSize + frameHeaderBytes);
    this.salt = now.salt;
    this.lastFrame = now.frame;
  }

  private read(): { pageSize: number; frame: number; salt: number } | null {
    if (this.unavailable) return null;
    if (this.fd === null) {
      try {
        this.fd = openSync(this.shmPath, 'r');
      } catch {
        // No WAL index: not in WAL mode (or an in-memory database). walBytes reports null.
        this.unavailable = true;
        return null;
      }
    }
    const h = this.header;
    if (readSync(this.fd, h, 0, headerBytes, 0) < headerBytes) return null;
    const rawPage = littleEndian ? h.readUInt16LE(14) : h.readUInt16BE(14);
    return {
      pageSize: rawPage === 1 ? 65_536 : rawPage,
      frame: littleEndian ? h.readUInt32LE(16) : h.readUInt32BE(16),
      salt: littleEndian ? h.readUInt32LE(32) : h.readUInt32BE(32),
    };
  }

  /** Bytes appended since `reset` (or since the meter was made), or null when there is no WAL. */
  total(): number | null {
    return this.unavailable ? null : this.bytes;
  }

  reset(): void {
    this.bytes = 0;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
