/**
 * The CMDB deploy targets the sandbox starts with, served by both dialects. Names follow the original
 * CMDB's `<ENV>_<project>[_<TAG>]`: the default (V1) deployment has no tag suffix — the original's rule
 * for tag ""/v1 selects the projects whose last name part is none of V1 V2 V3 V4 TEST — and the others
 * end in `_V2` or `_TEST`. In the tasks dialect the same targets carry their `tag` explicitly.
 */
export interface CmdbSeedTarget {
  name: string;
  env: string;
  /** The tasks dialect's tag (V1 for the default deployment). */
  tag: string;
  /** The code item's `svn_path`, e.g. `a18/cc_merchant_console`. */
  svnPath: string;
  /** The jiracdflow dialect's `project.svn_path`: a full URL. Default `http://svn.host/<svnPath>`. */
  svnUrl?: string;
  /** The version deployed now (the jiracdflow search's `arg`). Default `"1"`. */
  version?: string;
}

const target = (
  name: string,
  env: string,
  tag: string,
  svnPath: string,
  version: string,
): CmdbSeedTarget => ({
  name,
  env,
  tag,
  svnPath,
  version,
});

const consolePath = 'a18/cc_merchant_console';
const reportPath = 'a18/cc_report_service';
/** Two services built from one svn path: an item of this path deploys both. */
const gatewayPath = 'a18/cc_gateway';

/** Ids from 12, in this order. */
export const cmdbSeedTargets: readonly CmdbSeedTarget[] = [
  target('UAT_a18_console', 'UAT', 'V1', consolePath, '1060'),
  target('PRO_a18_console', 'PRO', 'V1', consolePath, '1058'),
  target('UAT_a18_console_V2', 'UAT', 'V2', consolePath, '1060'),
  target('UAT_a18_console_TEST', 'UAT', 'TEST', consolePath, '1059'),
  target('PRO_a18_console_TEST', 'PRO', 'TEST', consolePath, '1058'),
  target('UAT_a18_report', 'UAT', 'V1', reportPath, '876'),
  target('UAT_a18_report_V2', 'UAT', 'V2', reportPath, '876'),
  target('PRO_a18_report', 'PRO', 'V1', reportPath, '870'),
  target('PRO_a18_report_V2', 'PRO', 'V2', reportPath, '870'),
  target('UAT_a18_gateway', 'UAT', 'V1', gatewayPath, '501'),
  target('UAT_a18_gateway_job', 'UAT', 'V1', gatewayPath, '501'),
  target('PRO_a18_gateway', 'PRO', 'V1', gatewayPath, '498'),
  target('PRO_a18_gateway_job', 'PRO', 'V1', gatewayPath, '498'),
];

/** The host of the jiracdflow dialect's `project.svn_path` URLs. */
export const cmdbSeedSvnHost = 'http://svn.host';
