import { commandStatusName } from '../pdu/command-status.js';
import { isResponse } from '../pdu/commands.js';
import type { Pdu, PduInput } from '../pdu/types.js';

export type Direction = 'received' | 'sent';

export interface StatsSnapshot {
  received: Record<string, number>;
  sent: Record<string, number>;
  /** For every response, received or sent: counts by status name. */
  statuses: Record<string, Record<string, number>>;
}

/** Counts per command and per response status, for GET /stats and the tests. */
export class SimulatorStats {
  private readonly counts: Record<Direction, Map<string, number>> = { received: new Map(), sent: new Map() };
  private readonly statuses = new Map<string, Map<number, number>>();

  count(direction: Direction, pdu: Pdu | PduInput, commandId: number): void {
    const byCommand = this.counts[direction];
    byCommand.set(pdu.command, (byCommand.get(pdu.command) ?? 0) + 1);
    if (isResponse(commandId)) {
      let byStatus = this.statuses.get(pdu.command);
      if (!byStatus) this.statuses.set(pdu.command, (byStatus = new Map<number, number>()));
      const status = pdu.command_status ?? 0;
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
  }

  snapshot(): StatsSnapshot {
    const statuses: StatsSnapshot['statuses'] = {};
    for (const [command, byStatus] of this.statuses) {
      statuses[command] = Object.fromEntries([...byStatus].map(([status, n]) => [commandStatusName(status), n]));
    }
    return {
      received: Object.fromEntries(this.counts.received),
      sent: Object.fromEntries(this.counts.sent),
      statuses,
    };
  }
}
