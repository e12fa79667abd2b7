/**
 * Where an SQL item's order goes in Archery, decided from what Archery has (the host looks it up,
 * `ArcheryPort.lookUpRoute`): the resource group and the instance must exist (and be linked), and the
 * database is the one the item or the routing map names, or the instance's own: its default database,
 * its only one, or the one named like it — read from Archery, never the instance's name taken on trust.
 */
import type { ArcheryRouteLookup } from './ports/archery-port.js';

export interface ArcheryRouteRequest {
  sqlId: string;
  instance: string;
  group: string;
  /** The database the item or the routing map names; null: the instance's own. */
  dbName: string | null;
}

/** The database of the route, or why the route leads nowhere (naming the instance and the group). */
export function chooseArcheryDatabase(
  route: ArcheryRouteRequest,
  found: ArcheryRouteLookup,
): { dbName: string } | { reason: string } {
  const names = `instance "${route.instance}", resource group "${route.group}"`;
  if (!found.group && !found.instance) {
    return { reason: `Archery has neither the resource group nor the instance (${names})` };
  }
  if (!found.group)
    return { reason: `Archery has no resource group "${route.group}" (instance "${route.instance}" exists)` };
  if (!found.instance)
    return { reason: `Archery has no instance "${route.instance}" (resource group "${route.group}" exists)` };
  const groupIds = found.instance.groupIds;
  if (groupIds !== null && !groupIds.includes(found.group.id)) {
    return {
      reason: `Archery instance "${route.instance}" is not linked to resource group "${route.group}": link it in Archery or fix the routing`,
    };
  }
  const databases = found.databases;
  const listed = databases.length > 0 ? databases.join(', ') : 'none';
  if (route.dbName !== null) {
    return databases.includes(route.dbName)
      ? { dbName: route.dbName }
      : {
          reason: `Archery instance "${route.instance}" has no database "${route.dbName}" (it has: ${listed})`,
        };
  }
  const own = found.instance.defaultDbName;
  if (own !== '' && databases.includes(own)) return { dbName: own };
  if (databases.length === 1) return { dbName: databases[0]! };
  if (databases.includes(route.instance)) return { dbName: route.instance };
  if (databases.length === 0) return { reason: `Archery instance "${route.instance}" has no database` };
  return {
    reason: `Archery instance "${route.instance}" has several databases (${listed}): name the one in the item's db_name or in the routing map`,
  };
}
