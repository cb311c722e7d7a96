// Who is on the team and who is online: for "who is online" and the assign menu. The KCC only:
// back-office users (issue 14) are reached by hand-offs, not by assigning them a conversation.
import type { PresenceTracker } from '../chat/presence.ts';
import type { Db } from '../db/index.ts';
import type { AgentPresenceStatus } from '../realtime/events.ts';

export interface TeamMember {
  id: number;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
  status: AgentPresenceStatus;
}

/** Every active agent with their presence across instances (offline when no live connection). */
export async function team(db: Db, presence: PresenceTracker): Promise<TeamMember[]> {
  const [agents, online] = await Promise.all([
    db.query<Omit<TeamMember, 'status'>>("SELECT id, name, role FROM agents WHERE NOT disabled AND role <> 'backoffice' ORDER BY lower(name), id"),
    presence.list(),
  ]);
  const statusOf = new Map(online.map((entry) => [entry.agentId, entry.status]));
  return agents.rows.map((agent) => ({ ...agent, status: statusOf.get(agent.id) ?? 'offline' }));
}
