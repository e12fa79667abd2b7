/** The CMDB deploy targets the sandbox starts with: UAT and PRO of the demo's two services. */
export interface CmdbSeedTarget {
  name: string;
  env: string;
  tag: string;
  svnPath: string;
}

export const cmdbSeedTargets: readonly CmdbSeedTarget[] = [
  { name: 'UAT_a18_console_V1', env: 'UAT', tag: 'V1', svnPath: 'a18/cc_merchant_console' },
  { name: 'PRO_a18_console_V1', env: 'PRO', tag: 'V1', svnPath: 'a18/cc_merchant_console' },
  { name: 'UAT_a18_report_V1', env: 'UAT', tag: 'V1', svnPath: 'a18/cc_report_service' },
  { name: 'UAT_a18_report_V2', env: 'UAT', tag: 'V2', svnPath: 'a18/cc_report_service' },
  { name: 'PRO_a18_report_V1', env: 'PRO', tag: 'V1', svnPath: 'a18/cc_report_service' },
  { name: 'PRO_a18_report_V2', env: 'PRO', tag: 'V2', svnPath: 'a18/cc_report_service' },
];
