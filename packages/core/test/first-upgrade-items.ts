/** The items of fixtures/first-upgrade.json, by the names the tests use. */

/** Its SQL items, in sequence order. */
export const SQL1 = 'a18-20261201-01';
export const SQL2 = 'a18-20261201-02';

/** Its code items: the console deploys to two CMDB targets, the report service to one. */
export const CONSOLE = 'a18/cc_merchant_console';
export const REPORT = 'a18/cc_report_service';
