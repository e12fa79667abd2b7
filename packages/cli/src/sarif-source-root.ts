import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The base id code-scanning uploads (GitHub, GitLab, Azure DevOps) resolve against the checkout. */
export const sourceRootId = '%SRCROOT%';

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A finding's file as a SARIF artifact location: a relative path becomes a percent-encoded URI
 * reference relative to `%SRCROOT%` (the working directory); a file outside it keeps its absolute
 * `file:` URI, since no base can name it.
 */
export function artifactLocationOf(file: string): ArtifactLocation {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split(sep).map(encodeURIComponent).join('/'), uriBaseId: sourceRootId };
}

/** `file:` URI of a directory; SARIF requires a base URI to end with a slash. */
export function directoryUri(directory: string): string {
  const href = pathToFileURL(directory).href;
  return href.endsWith('/') ? href : `${href}/`;
}

function anchorLocation(location: unknown): unknown {
  if (!isRecord(location) || !isRecord(location.physicalLocation)) return location;
  const physical = location.physicalLocation;
  const artifact = physical.artifactLocation;
  if (!isRecord(artifact) || typeof artifact.uri !== 'string') return location;
  return {
    ...location,
    physicalLocation: { ...physical, artifactLocation: artifactLocationOf(artifact.uri) },
  };
}

function anchorRun(run: unknown, rootUri: string): unknown {
  if (!isRecord(run)) return run;
  const results = Array.isArray(run.results)
    ? run.results.map((result: unknown) =>
        isRecord(result) && Array.isArray(result.locations)
          ? { ...result, locations: result.locations.map(anchorLocation) }
          : result,
      )
    : run.results;
  return {
    ...run,
    originalUriBaseIds: {
      [sourceRootId]: { uri: rootUri, description: { text: 'The directory cdflow policy check ran in.' } },
    },
    results,
  };
}

/**
 * The policy's SARIF log (whose artifact URIs are the findings' paths as printed) with every file
 * location relative to `%SRCROOT%`, and `originalUriBaseIds` saying that `%SRCROOT%` is `cwd`: the
 * shape code-scanning uploads expect, so results land on the files of the checkout.
 */
export function anchorToSourceRoot(log: object, cwd: string): object {
  if (!isRecord(log) || !Array.isArray(log.runs)) return log;
  const rootUri = directoryUri(cwd);
  return { ...log, runs: log.runs.map((run: unknown) => anchorRun(run, rootUri)) };
}
