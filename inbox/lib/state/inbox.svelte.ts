// The inbox's working state: the list, the open conversation, and live updates from /agent.
import { conversation, listConversations, type ConversationDetail, type ConversationSummary } from '../api/conversations.ts';
import { connectAgentSocket, type AgentSocket } from '../api/socket.ts';

export class Inbox {
  items = $state<ConversationSummary[]>([]);
  loaded = $state(false);
  selectedId = $state<number | null>(null);
  detail = $state<ConversationDetail | null>(null);
  filter = $state<{ channel: string; status: string }>({ channel: '', status: '' });
  /** Text for the polite live region: new activity is announced, not only shown. */
  announcement = $state('');
  errorCode = $state<string | null>(null);
  private socket: AgentSocket | undefined;
  private refreshing: Promise<void> | undefined;

  /** Connects the live updates; returns the disconnect. */
  connect(announce: () => string): () => void {
    const socket = connectAgentSocket();
    this.socket = socket;
    const refresh = (conversationId?: number) => {
      void this.refresh();
      if (conversationId !== undefined && conversationId === this.selectedId) void this.reloadDetail();
    };
    socket.on('conversation.created', () => {
      this.announcement = announce();
      refresh();
    });
    socket.on('message.created', (event) => refresh(event.conversationId));
    socket.on('message.delivery_changed', (event) => refresh(event.conversationId));
    socket.on('deadline.due_soon', (event) => refresh(event.conversationId));
    socket.on('deadline.breached', (event) => refresh(event.conversationId));
    // After a reconnect we may have missed events: read the state again.
    socket.on('connect', () => refresh(this.selectedId ?? undefined));
    return () => socket.disconnect();
  }

  /** Reloads the list; overlapping calls share one request. */
  refresh(): Promise<void> {
    this.refreshing ??= listConversations(this.filter)
      .then((items) => {
        this.items = items;
        this.loaded = true;
      })
      .catch((error: { code?: string }) => {
        this.errorCode = error.code ?? 'internal';
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async select(id: number) {
    this.selectedId = id;
    this.detail = null;
    await this.reloadDetail();
  }

  async reloadDetail() {
    const id = this.selectedId;
    if (id === null) return;
    try {
      const detail = await conversation(id);
      if (this.selectedId === id) this.detail = detail;
    } catch (error) {
      this.errorCode = (error as { code?: string }).code ?? 'internal';
    }
  }
}
