import { CodedError } from './input-error.js';

/** A regulation version `platform.major.minor` (docs/policy.md). */
export interface Version {
  platform: number;
  major: number;
  minor: number;
}

export class VersionFormatError extends CodedError {
  readonly code = 'VERSION_FORMAT';
  constructor(readonly input: string) {
    super(`"${input}" is not a version: use platform.major.minor, e.g. 1.2.0 (no leading zeros)`);
  }
}

const versionPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Parses `1.2.3`; throws {@link VersionFormatError} for anything else (DF-V001). */
export function parseVersion(input: string): Version {
  const match = versionPattern.exec(input);
  if (!match) throw new VersionFormatError(input);
  return { platform: Number(match[1]), major: Number(match[2]), minor: Number(match[3]) };
}

export function isVersion(input: string): boolean {
  return versionPattern.test(input);
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareVersions(a: string | Version, b: string | Version): number {
  const x = typeof a === 'string' ? parseVersion(a) : a;
  const y = typeof b === 'string' ? parseVersion(b) : b;
  return x.platform - y.platform || x.major - y.major || x.minor - y.minor;
}

/** The registry version: only platform and major matter inside the platform (`1.2.3` → `1.2`). */
export function registryVersion(input: string | Version): string {
  const v = typeof input === 'string' ? parseVersion(input) : input;
  return `${v.platform}.${v.major}`;
}
