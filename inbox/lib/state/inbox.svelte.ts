// The inbox's working state: the filtered list (cursor-paged), its counts, the open conversation,
// and live updates from /agent that patch the list without losing the selection.
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

/** The most rows one live refresh re-reads; rows further down keep their last known state until paged again. */
const REFRESH_WINDOW = 200;
const PAGE = 50;
/** Live events come in bursts (a mail = created + message + deadlines): one refetch per burst. */
const BURST_MS = 250;

const TOUCHING_EVENTS: readonly (keyof AgentServerEvents)[] = [
  'message.created',
  'message.delivery_changed',
  'conversation.assigned',
  'conversation.updated',
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
  /** Text for the polite live region: new activity is announced, not only shown. */
  announcement = $state('');
  errorCode = $state<string | null>(null);

  private generation = 0;
  private burst: ReturnType<typeof setTimeout> | undefined;

  /**
   * Follows the live events; returns the unsubscribe. `onNew` hears of every new conversation
   * (the announcement text, the sound and the desktop notification are the caller's).
   */
  connect(socket: AgentSocket, onNew: (event: NewConversation) => void): () => void {
    const touched = (event: { conversationId: number }) => this.changed(event.conversationId);
    const created = (event: NewConversation) => {
      onNew(event);
      this.changed(event.conversationId);
    };
    const reconnected = () => this.changed(this.selectedId ?? undefined);
    // Every fact about a conversation that can change its row, its counts or its thread. One
    // listener for payloads that differ but all carry conversationId: socket.io's types cannot say so.
    const live = socket as unknown as { on(event: keyof AgentServerEvents, listener: typeof touched): void; off(event: keyof AgentServerEvents, listener: typeof touched): void };
    for (const name of TOUCHING_EVENTS) live.on(name, touched);
    socket.on('conversation.created', created);
    // The event carries what changed: the open conversation and its row are patched at once, before
    // the burst's re-read confirms them.
    const patched = (event: StatusActivity) => this.patch(event);
    socket.on('conversation.updated', patched);
    // After a reconnect we may have missed events: read the state again.
    socket.on('connect', reconnected);
    return () => {
      clearTimeout(this.burst);
      for (const name of TOUCHING_EVENTS) live.off(name, touched);
      socket.off('conversation.updated', patched);
      socket.off('conversation.created', created);
      socket.off('connect', reconnected);
    };
  }

  /** Something happened to a conversation: refresh the list and counts once per burst, and the open one. */
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

  changed(conversationId?: number) {
    if (conversationId !== undefined && conversationId === this.selectedId) void this.reloadDetail();
    clearTimeout(this.burst);
    this.burst = setTimeout(() => void this.refreshLive(), BURST_MS);
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
    this.filter = { ...this.filter, ...patch };
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
    try {
      const detail = await conversation(id);
      if (this.selectedId === id) this.detail = detail;
    } catch (error) {
      if (this.selectedId === id) this.errorCode = errorCode(error);
    }
  }
}
