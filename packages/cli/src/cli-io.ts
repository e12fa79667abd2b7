/** What a run of the CLI reads from and writes to; `main.ts` passes the process's, tests their own. */
export interface CliIo {
  /** The command's output, and nothing else (it is redirected into files: SARIF, changesets). */
  stdout: (text: string) => void;
  /** Messages for the person running the command. */
  stderr: (text: string) => void;
  /** Relative paths in arguments, and in the output, are relative to this directory. */
  cwd: string;
  /** Environment variables the commands read (`CDFLOW_DB`). */
  env: Readonly<Record<string, string | undefined>>;
  toolVersion: string;
}
