import { type ArcheryRouteLookup, chooseArcheryDatabase } from '@cdflow/core';
import { describe, expect, it } from 'vitest';

const route = { sqlId: 'a18-1', instance: 'report', group: 'A18', dbName: null };
const found = (over: Partial<ArcheryRouteLookup> = {}): ArcheryRouteLookup => ({
  group: { id: 1, name: 'A18' },
  instance: { id: 2, name: 'report', defaultDbName: '', groupIds: [1, 2] },
  databases: ['report_a18'],
  ...over,
});

describe('where an SQL item runs in Archery', () => {
  it("takes the instance's database as Archery reads it, never the instance's name on trust", () => {
    expect(chooseArcheryDatabase(route, found())).toEqual({ dbName: 'report_a18' });
    // The connection's default database wins when the instance has it.
    const two = found({
      instance: { id: 2, name: 'report', defaultDbName: 'report_a19', groupIds: [1] },
      databases: ['report_a18', 'report_a19'],
    });
    expect(chooseArcheryDatabase(route, two)).toEqual({ dbName: 'report_a19' });
    // Several and none is the default: the one named like the instance, if Archery has it.
    expect(
      chooseArcheryDatabase({ ...route, instance: 'acc' }, found({ databases: ['acc', 'acc_audit'] })),
    ).toEqual({
      dbName: 'acc',
    });
  });

  it('takes the database the item or the map names, when the instance has it', () => {
    expect(chooseArcheryDatabase({ ...route, dbName: 'report_a18' }, found())).toEqual({
      dbName: 'report_a18',
    });
    expect(chooseArcheryDatabase({ ...route, dbName: 'report' }, found())).toEqual({
      reason: 'Archery instance "report" has no database "report" (it has: report_a18)',
    });
  });

  it('names the instance and the group of a route that leads nowhere', () => {
    expect(chooseArcheryDatabase(route, found({ instance: null, databases: [] }))).toEqual({
      reason: 'Archery has no instance "report" (resource group "A18" exists)',
    });
    expect(chooseArcheryDatabase(route, found({ group: null }))).toEqual({
      reason: 'Archery has no resource group "A18" (instance "report" exists)',
    });
    expect(chooseArcheryDatabase(route, found({ group: null, instance: null }))).toEqual({
      reason:
        'Archery has neither the resource group nor the instance (instance "report", resource group "A18")',
    });
    expect(
      chooseArcheryDatabase(
        route,
        found({ instance: { id: 2, name: 'report', defaultDbName: '', groupIds: [3] } }),
      ),
    ).toEqual({
      reason:
        'Archery instance "report" is not linked to resource group "A18": link it in Archery or fix the routing',
    });
    expect(chooseArcheryDatabase(route, found({ databases: ['report_a18', 'report_a19'] }))).toEqual({
      reason:
        'Archery instance "report" has several databases (report_a18, report_a19): name the one in the item\'s db_name or in the routing map',
    });
  });
});
