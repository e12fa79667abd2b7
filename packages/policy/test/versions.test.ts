import { compareVersions, parseVersion, registryVersion, VersionFormatError } from '@cdflow/policy';
import { describe, expect, it } from 'vitest';

describe('versions', () => {
  it('parses platform.major.minor', () => {
    expect(parseVersion('1.2.3')).toEqual({ platform: 1, major: 2, minor: 3 });
    expect(parseVersion('0.0.0')).toEqual({ platform: 0, major: 0, minor: 0 });
  });

  it.each(['1.2', '1.2.3.4', '01.2.3', '1.-2.3', 'v1.2.3', '1.2.x', ''])(
    'refuses %j naming the expected form',
    (input) => {
      expect(() => parseVersion(input)).toThrow(VersionFormatError);
      expect(() => parseVersion(input)).toThrow(/platform\.major\.minor/);
    },
  );

  it('compares numerically, not as text', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareVersions('1.2.0', '1.2.0')).toBe(0);
    expect(compareVersions('2.0.0', '10.0.0')).toBeLessThan(0);
  });

  it('gives the registry version: platform and major only', () => {
    expect(registryVersion('1.2.3')).toBe('1.2');
    expect(registryVersion('2.0.0')).toBe('2.0');
  });
});
