// The audit trail: who did what to which record, for the gemeente's accountability (AVG art. 5(2)).
import type { Db } from './db/index.ts';

export interface AuditEntry {
  agentId: number | null;
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_log (agent_id, action, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5)', [
    entry.agentId,
    entry.action,
    entry.subjectType ?? null,
    entry.subjectId === undefined ? null : String(entry.subjectId),
    entry.details ?? {},
  ]);
}
