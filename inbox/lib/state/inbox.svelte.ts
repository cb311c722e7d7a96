// The inbox's working state: the filtered list (cursor-paged), its counts, the open conversation,
// and live updates from /agent that patch the list without losing the selection.
import type { ConversationsChanged } from '../../../server/inbox/live.ts';
import type { AgentServerEvents, StatusActivity } from '../../../server/realtime/events.ts';
import type { AgentSocket } from '../api/socket.ts';
import {
  conversation,
  conversationCounts,
  listConversations,
  type ConversationDetail,
  type ConversationSummary,
  type Counts,
  type ListFilter,
} from '../api/conversations.ts';
import { errorCode } from '../api/http.ts';
import { countsFor, patchList } from './list-patch.ts';

/** The most rows one live refresh re-reads; rows further down keep their last known state until paged again. */
const REFRESH_WINDOW = 200;
const PAGE = 50;
/**
 * Where a live change cannot be patched (a search, the closed list) the list is re-read once per
 * burst (a mail = created + message + deadlines), and at least every MAX_WAIT_MS while events keep
 * coming: a trailing debounce alone never fires under a steady stream (issue 16 §10).
 */
const BURST_MS = 250;
const MAX_WAIT_MS = 1000;

/** Facts that can change the open conversation's thread: it is re-read (only by inboxes showing it). */
const THREAD_EVENTS: readonly (keyof AgentServerEvents)[] = [
  'message.created',
  'message.delivery_changed',
  'conversation.assigned',
  'conversation.closed',
  'conversation.rated',
  'chat.ended',
  'deadline.due_soon',
  'deadline.breached',
];

export interface NewConversation {
  conversationId: number;
  reference: string;
  channel: 'chat' | 'email' | 'phone';
}

export class Inbox {
  // Raw: the list and the detail are replaced whole, never mutated, so 10,000 rows need no proxies.
  items = $state.raw<ConversationSummary[]>([]);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  loadingMore = $state(false);
  counts = $state.raw<Counts | null>(null);
  filter = $state<ListFilter>({ channel: '', status: '', assignee: 'all', due: '', q: '' });
  /** The search text the shown items answer (the box may already hold the next one). */
  shownQuery = $state('');
  /** The conversation open on the right. */
  selectedId = $state<number | null>(null);
  detail = $state.raw<ConversationDetail | null>(null);
  /** Counts the reads of the open conversation, so that an older answer never replaces a newer one. */
  private detailReads = 0;
  /** Text for the polite live region: new activity is announced, not only shown. */
  announcement = $state('');
  errorCode = $state<string | null>(null);

  /** Whose inbox this is: the filter "mine" and the count of mine are this agent's. */
  viewerId: number | null = null;

  private generation = 0;
  private burst: ReturnType<typeof setTimeout> | undefined;
  private burstStarted: number | null = null;
  private socket: AgentSocket | undefined;

  /**
   * Follows the live events; returns the unsubscribe. `onNew` hears of every new conversation
   * (the announcement text, the sound and the desktop notification are the caller's).
   */
  connect(socket: AgentSocket, onNew: (event: NewConversation) => void, viewerId?: number): () => void {
    if (viewerId !== undefined) this.viewerId = viewerId;
    this.socket = socket;
    const touched = (event: { conversationId: number }) => {
      if (event.conversationId === this.selectedId) void this.reloadDetail();
    };
    const created = (event: NewConversation) => onNew(event);
    const reconnected = () => {
      this.watchQueue();
      this.changed(this.selectedId ?? undefined);
    };
    // Every fact that can change the open thread. One listener for payloads that differ but all
    // carry conversationId: socket.io's types cannot say so.
    const live = socket as unknown as { on(event: keyof AgentServerEvents, listener: typeof touched): void; off(event: keyof AgentServerEvents, listener: typeof touched): void };
    for (const name of THREAD_EVENTS) live.on(name, touched);
    socket.on('conversation.created', created);
    // The event carries what changed: the open conversation is patched at once.
    const patched = (event: StatusActivity) => this.patch(event);
    socket.on('conversation.updated', patched);
    // The rows and counts after a change: the list is patched, not re-read.
    const rows = (change: ConversationsChanged) => this.applyRows(change);
    socket.on('conversations.changed', rows);
    // After a reconnect we may have missed events: read the state again.
    socket.on('connect', reconnected);
    if (socket.connected) this.watchQueue();
    return () => {
      clearTimeout(this.burst);
      for (const name of THREAD_EVENTS) live.off(name, touched);
      socket.off('conversation.updated', patched);
      socket.off('conversation.created', created);
      socket.off('conversations.changed', rows);
      socket.off('connect', reconnected);
      this.socket = undefined;
    };
  }

  /** Tells the server whether this inbox watches the unassigned queue (it notifies new mail there). */
  private watchQueue() {
    this.socket?.emit('queue.watch', { unassigned: this.filter.assignee === 'unassigned' });
  }

  /** Patches the list and counts from a live change; re-reads (capped) only where it cannot tell. */
  applyRows(change: ConversationsChanged) {
    const viewer = this.viewerId ?? -1;
    if (!this.filter.q.trim()) this.counts = countsFor(change.counts, this.filter, viewer);
    const result = patchList(this.items, { rows: change.rows as unknown as ConversationSummary[], gone: change.gone }, this.filter, viewer, this.nextCursor !== null);
    if (result === 'refetch') {
      this.changed();
      return;
    }
    if (result.items !== this.items) this.items = result.items;
  }

  /** Applies a conversation.updated: status, outcome, closed time and the milestones it names. */
  patch(event: StatusActivity) {
    if (this.items.some((item) => item.id === event.conversationId)) {
      this.items = this.items.map((item) => (item.id === event.conversationId ? { ...item, status: event.status } : item));
    }
    const detail = this.detail;
    if (!detail || detail.id !== event.conversationId) return;
    const changed = new Map((event.milestones ?? []).map((milestone) => [milestone.id, milestone]));
    const known = new Set(detail.milestones.map((milestone) => milestone.id));
    const milestones = [
      ...detail.milestones.map((milestone) => {
        const update = changed.get(milestone.id);
        return update ? { ...milestone, dueAt: update.dueAt, state: update.state, metAt: update.metAt, endedReason: update.endedReason } : milestone;
      }),
      ...(event.milestones ?? []).filter((milestone) => !known.has(milestone.id)).map((m) => ({ id: m.id, kind: m.kind, dueAt: m.dueAt, state: m.state, metAt: m.metAt, endedReason: m.endedReason })),
    ];
    this.detail = {
      ...detail,
      status: event.status,
      ...(event.outcome !== undefined ? { outcome: event.outcome } : {}),
      ...(event.closedAt !== undefined ? { closedAt: event.closedAt } : {}),
      milestones,
    };
  }

  /** Re-reads the list and counts once per burst (at most MAX_WAIT_MS late), and the open conversation. */
  changed(conversationId?: number) {
    if (conversationId !== undefined && conversationId === this.selectedId) void this.reloadDetail();
    const now = Date.now();
    this.burstStarted ??= now;
    clearTimeout(this.burst);
    const wait = Math.max(0, Math.min(BURST_MS, this.burstStarted + MAX_WAIT_MS - now));
    this.burst = setTimeout(() => {
      this.burstStarted = null;
      void this.refreshLive();
    }, wait);
  }

  /** The first page for the current filter (after a filter change or at start). */
  async load() {
    const generation = ++this.generation;
    void this.loadCounts();
    const q = this.filter.q.trim();
    try {
      const page = await listConversations(this.filter, { limit: PAGE });
      if (generation !== this.generation) return;
      this.items = page.items;
      this.shownQuery = q;
      this.nextCursor = page.nextCursor;
      this.errorCode = null;
    } catch (error) {
      if (generation === this.generation) this.errorCode = errorCode(error);
    } finally {
      if (generation === this.generation) this.loaded = true;
    }
  }

  /** The next page, when the list is scrolled near its end. */
  async loadMore() {
    if (!this.nextCursor || this.loadingMore) return;
    const generation = this.generation;
    this.loadingMore = true;
    try {
      const page = await listConversations(this.filter, { cursor: this.nextCursor, limit: PAGE });
      if (generation !== this.generation) return;
      const known = new Set(this.items.map((item) => item.id));
      this.items = [...this.items, ...page.items.filter((item) => !known.has(item.id))];
      this.nextCursor = page.nextCursor;
    } catch (error) {
      this.errorCode = errorCode(error);
    } finally {
      this.loadingMore = false;
    }
  }

  /**
   * Re-reads the top of the list (as many rows as are loaded, up to REFRESH_WINDOW) and keeps the
   * rows below it, so a live change never throws away what the agent scrolled to.
   */
  private async refreshLive() {
    const generation = this.generation;
    void this.loadCounts();
    const window = Math.min(Math.max(this.items.length, PAGE), REFRESH_WINDOW);
    try {
      const page = await listConversations(this.filter, { limit: window });
      if (generation !== this.generation) return;
      if (this.items.length <= window) {
        this.items = page.items;
        this.nextCursor = page.nextCursor;
      } else {
        // The rows below the fresh head: from after the head's last row in the old list on.
        const head = new Set(page.items.map((item) => item.id));
        const lastOfHead = page.items.at(-1);
        const resume = lastOfHead ? this.items.findIndex((item) => item.id === lastOfHead.id) + 1 : 0;
        this.items = [...page.items, ...this.items.slice(resume > 0 ? resume : window).filter((item) => !head.has(item.id))];
      }
      this.loaded = true;
    } catch (error) {
      this.errorCode = errorCode(error);
    }
  }

  async loadCounts() {
    try {
      this.counts = await conversationCounts(this.filter);
    } catch {
      // Counts are a help, not the work: the list stands without them.
    }
  }

  setFilter(patch: Partial<ListFilter>) {
    const watching = this.filter.assignee === 'unassigned';
    this.filter = { ...this.filter, ...patch };
    if (watching !== (this.filter.assignee === 'unassigned')) this.watchQueue();
    void this.load();
  }

  async select(id: number) {
    if (this.selectedId !== id) this.detail = null;
    this.selectedId = id;
    await this.reloadDetail();
  }

  close() {
    this.selectedId = null;
    this.detail = null;
  }

  async reloadDetail() {
    const id = this.selectedId;
    if (id === null) return;
    // Several reads can be under way (a live event, the agent's own action): only the latest one
    // may land, or an answer read before a claim committed would put "Oppakken" back.
    const read = ++this.detailReads;
    try {
      const detail = await conversation(id);
      if (this.selectedId === id && read === this.detailReads) this.detail = detail;
    } catch (error) {
      if (this.selectedId === id && read === this.detailReads) this.errorCode = errorCode(error);
    }
  }
}
