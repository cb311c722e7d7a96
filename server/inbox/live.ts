// Live updates that scale with the team (issue 16 §10): a changed conversation's list row and the
// inbox counts are read once per short batch — not once per connected inbox — and travel with the
// event; inboxes patch their list. Also decides who is told what (issue 16 §4): notifications go to
// one agent's room, or to the room of those watching the unassigned queue, never to everybody.
import type { Db } from '../db/index.ts';
import type { DomainEvents } from '../domain-events.ts';
import type { Logger } from '../log.ts';
import type { InboxCounts } from './counts.ts';
import { foldCountDeltas } from './counts.ts';
import { inboxEvents } from './events.ts';
import { conversationRows, type ConversationSummary } from './list.ts';
import { mentionsOf } from './mentions.ts';

export type ChannelKey = 'all' | 'chat' | 'email' | 'phone';

/** The counts of every channel filter, and per agent how many they hold: each inbox picks its own. */
export interface LiveCounts {
  byChannel: Record<ChannelKey, Omit<InboxCounts, 'mine'>>;
  /** Agent id → channel filter → open conversations assigned to that agent. */
  mine: Record<string, Partial<Record<ChannelKey, number>>>;
}

/** Rows and counts after a batch of changes; `gone` are conversations that no longer exist. */
export interface ConversationsChanged {
  rows: ConversationSummary[];
  gone: number[];
  counts: LiveCounts;
}

/** What an agent is told about (sound, desktop notification, the tab title's count). */
export interface AgentNotification {
  kind: 'assigned' | 'reply' | 'new_mail' | 'mention';
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
  /** The colleague who assigned or mentioned, when known. */
  by: string | null;
}

/** Of those watching the unassigned queue (they said so with queue.watch). */
export const UNASSIGNED_QUEUE_ROOM = 'queue:unassigned';
export const agentRoom = (agentId: number) => `agent:${agentId}`;

/** Past this many delta rows the counts' table is folded (as counts.ts does for its readers). */
const FOLD_AFTER_ROWS = 2000;

const emptyCounts = (): Omit<InboxCounts, 'mine'> => ({ all: 0, unassigned: 0, new: 0, open: 0, waiting: 0, dueSoon: 0, breached: 0, chat: 0, email: 0, phone: 0, waitingChats: 0 });

/** The counts of every filter from inbox_count_deltas (migration 0006), in one statement. */
export async function liveCounts(db: Db): Promise<LiveCounts> {
  const { rows } = await db.query<{ channel: 'chat' | 'email' | 'phone'; status: string; assigneeId: number | null; dueSoon: boolean; breached: boolean; n: number; deltaRows: number }>(
    `SELECT channel, status, assignee_id::int AS "assigneeId", due_soon AS "dueSoon", breached, sum(delta)::int AS n, (sum(count(*)) OVER ())::int AS "deltaRows"
       FROM inbox_count_deltas GROUP BY 1, 2, 3, 4, 5`,
  );
  const counts: LiveCounts = { byChannel: { all: emptyCounts(), chat: emptyCounts(), email: emptyCounts(), phone: emptyCounts() }, mine: {} };
  for (const row of rows) {
    if (row.n === 0) continue;
    for (const key of ['all', row.channel] as const) {
      const into = counts.byChannel[key];
      into.all += row.n;
      if (row.assigneeId === null) into.unassigned += row.n;
      if (row.status === 'new' || row.status === 'open' || row.status === 'waiting') into[row.status] += row.n;
      if (row.dueSoon) into.dueSoon += row.n;
      if (row.breached) into.breached += row.n;
      into[row.channel] += row.n;
      if (row.channel === 'chat' && row.status === 'new') into.waitingChats += row.n;
      if (row.assigneeId !== null) {
        const mine = (counts.mine[row.assigneeId] ??= {});
        mine[key] = (mine[key] ?? 0) + row.n;
      }
    }
  }
  if ((rows[0]?.deltaRows ?? 0) > FOLD_AFTER_ROWS) await foldCountDeltas(db);
  return counts;
}

/**
 * Collects the conversations touched within `windowMs` of the first touch (a fixed window, so a
 * steady stream of events still flushes every window) and reads their rows and the counts once.
 */
export class LiveRows {
  private pending = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly emit: (change: ConversationsChanged) => void,
    private readonly log: Logger,
    private readonly windowMs = 25,
  ) {}

  touch(conversationId: number): void {
    if (this.stopped) return;
    this.pending.add(conversationId);
    this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    // One read at a time: touches meanwhile wait for the next window, scheduled when it is done.
    if (this.flushing || this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending.clear();
    this.flushing = true;
    try {
      const [rows, counts] = await Promise.all([conversationRows(this.db, ids), liveCounts(this.db)]);
      const found = new Set(rows.map((row) => row.id));
      this.emit({ rows, gone: ids.filter((id) => !found.has(id)), counts });
    } catch (error) {
      this.log.warn({ err: error, conversations: ids.length }, 'could not read the rows of a live update');
    } finally {
      this.flushing = false;
      if (this.pending.size > 0 && !this.stopped) this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pending.clear();
  }
}

/**
 * Feeds the domain events into live rows and targeted notifications. `emitTo` sends one event to
 * one room (through the adapter, on every instance).
 */
export function listenLive(options: {
  events: DomainEvents;
  db: Db;
  log: Logger;
  changed: (change: ConversationsChanged) => void;
  notify: (room: string, notification: AgentNotification) => void;
}): LiveRows {
  const { events, db, log, notify } = options;
  const live = new LiveRows(db, options.changed, log);
  const touched = ({ conversationId }: { conversationId: number }) => live.touch(conversationId);
  for (const name of ['conversation.created', 'message.created', 'message.delivery_changed', 'conversation.assigned', 'conversation.updated', 'conversation.closed', 'conversation.rated', 'chat.ended', 'deadline.due_soon', 'deadline.breached'] as const) {
    events.on(name, touched);
  }
  const inbox = inboxEvents(events);
  inbox.on('conversation.handed_over', touched);
  // Given by a colleague (or a supervisor): the new assignee is told; a claim of one's own is not news.
  inbox.on('conversation.given', ({ assignee, by, ...conversation }) => {
    if (assignee.id !== by.id) notify(agentRoom(assignee.id), { ...conversation, kind: 'assigned', by: by.name });
  });
  const failed = (error: unknown) => log.warn({ err: error }, 'could not work out who to notify');
  events.on('message.created', (activity) => {
    const base = { conversationId: activity.conversationId, reference: activity.reference, channel: activity.channel };
    if (activity.direction === 'in' && activity.kind === 'message') {
      db.query<{ assigneeId: number | null }>('SELECT assignee_id::int AS "assigneeId" FROM conversations WHERE id = $1', [activity.conversationId]).then(({ rows }) => {
        const assigneeId = rows[0]?.assigneeId;
        if (assigneeId === undefined) return;
        if (assigneeId !== null) notify(agentRoom(assigneeId), { ...base, kind: 'reply', by: null });
        else if (activity.channel === 'email') notify(UNASSIGNED_QUEUE_ROOM, { ...base, kind: 'new_mail', by: null });
      }, failed);
    }
    if (activity.kind === 'note') {
      mentionsOf(db, activity.messageId).then(({ agentIds, by }) => {
        for (const agentId of agentIds) notify(agentRoom(agentId), { ...base, kind: 'mention', by });
      }, failed);
    }
  });
  return live;
}
