// Topics (onderwerpen, issue 15 §2): the admins' list, the gemeente's setting whether closing needs
// one, and setting a conversation's topic inside the closing transaction. Archived, never deleted.
import type { Db } from '../db/index.ts';
import type { Topic, TopicSettings } from './types.ts';

const COLUMNS = `id, name, active`;

export async function listTopics(db: Db, options: { includeArchived?: boolean } = {}): Promise<Topic[]> {
  const { rows } = await db.query<Topic>(`SELECT ${COLUMNS} FROM topics ${options.includeArchived ? '' : 'WHERE active'} ORDER BY lower(name), id`);
  return rows;
}

export async function findTopic(db: Db, id: number): Promise<Topic | undefined> {
  return (await db.query<Topic>(`SELECT ${COLUMNS} FROM topics WHERE id = $1`, [id])).rows[0];
}

export type TopicWrite = { ok: true; topic: Topic } | { ok: false; code: 'name_taken' | 'not_found' };

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

export async function createTopic(db: Db, name: string, by: { id: number }): Promise<TopicWrite> {
  try {
    const { rows } = await db.query<Topic>(`INSERT INTO topics (name, created_by) VALUES ($1, $2) RETURNING ${COLUMNS}`, [name, by.id]);
    return { ok: true, topic: rows[0]! };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, code: 'name_taken' };
    throw error;
  }
}

export async function updateTopic(db: Db, id: number, change: { name?: string; active?: boolean }): Promise<TopicWrite> {
  try {
    const { rows } = await db.query<Topic>(
      `UPDATE topics SET name = coalesce($2, name), active = coalesce($3, active), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.name ?? null, change.active ?? null],
    );
    return rows[0] ? { ok: true, topic: rows[0] } : { ok: false, code: 'not_found' };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, code: 'name_taken' };
    throw error;
  }
}

export async function topicSettings(db: Db): Promise<TopicSettings> {
  const { rows } = await db.query<TopicSettings>('SELECT required FROM topic_settings WHERE id');
  return { required: rows[0]?.required ?? false };
}

export async function setTopicSettings(db: Db, settings: TopicSettings, by: { id: number }): Promise<TopicSettings> {
  const { rows } = await db.query<TopicSettings>(
    `INSERT INTO topic_settings (id, required, updated_at, updated_by) VALUES (true, $1, now(), $2)
     ON CONFLICT (id) DO UPDATE SET required = EXCLUDED.required, updated_at = now(), updated_by = EXCLUDED.updated_by RETURNING required`,
    [settings.required, by.id],
  );
  return rows[0]!;
}

export type CloseTopicOutcome = { ok: true } | { ok: false; code: 'topic_required' | 'unknown_topic' };

/**
 * Sets the topic a conversation is closed with, in the closing transaction (after the close, so
 * the conversation row is locked already). Required by the gemeente's setting for every outcome
 * but geen antwoord nodig (spam, an auto-reply, a duplicate has no subject worth counting).
 */
export async function setCloseTopic(tx: Db, conversationId: number, topicId: number | undefined, outcome: string): Promise<CloseTopicOutcome> {
  if (topicId === undefined) {
    if (outcome !== 'no_answer_needed' && (await topicSettings(tx)).required) return { ok: false, code: 'topic_required' };
    return { ok: true };
  }
  const topic = await findTopic(tx, topicId);
  if (!topic || !topic.active) return { ok: false, code: 'unknown_topic' };
  await tx.query('UPDATE conversations SET topic_id = $2 WHERE id = $1 AND topic_id IS DISTINCT FROM $2', [conversationId, topicId]);
  return { ok: true };
}
