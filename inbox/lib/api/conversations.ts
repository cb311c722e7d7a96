// The conversation API as the inbox uses it.
import { api } from './http.ts';

export interface Milestone {
  id: number;
  kind: 'acknowledgement' | 'answer' | 'complexAnswer' | 'callback' | 'pickup';
  dueAt: string;
  state: 'open' | 'due_soon' | 'breached' | 'met' | 'met_late';
  metAt: string | null;
}

export interface ConversationSummary {
  id: number;
  reference: string;
  channel: 'chat' | 'email';
  status: 'new' | 'open' | 'waiting' | 'closed';
  subject: string | null;
  contact: { id: number; name: string | null; email: string | null } | null;
  assignee: { id: number; name: string } | null;
  lastMessageAt: string;
  preview: string;
  nextDue: { kind: Milestone['kind']; dueAt: string; state: Milestone['state'] } | null;
}

export interface ThreadMessage {
  id: number;
  direction: 'in' | 'out';
  kind: 'message' | 'note' | 'system';
  replyKind: 'reply' | 'answer' | 'interim' | null;
  author: { type: 'agent' | 'contact'; id: number; name: string | null } | null;
  text: string;
  html: string | null;
  createdAt: string;
  email: { messageId: string; from: string | null; subject: string; stubReason: string | null; ackSkipped: string | null } | null;
  delivery: { state: 'queued' | 'sending' | 'sent' | 'failed'; error: string | null } | null;
  attachments: { id: number; filename: string | null; contentType: string; size: number; inline: boolean }[];
}

export interface ConversationDetail extends Omit<ConversationSummary, 'preview' | 'nextDue'> {
  createdAt: string;
  messages: ThreadMessage[];
  milestones: Milestone[];
}

export type ReplyKind = 'reply' | 'answer' | 'interim' | 'note';

export async function listConversations(filter: { channel?: string; status?: string } = {}): Promise<ConversationSummary[]> {
  const query = new URLSearchParams({ limit: '100', ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) });
  return (await api<{ items: ConversationSummary[] }>('GET', `/api/conversations?${query}`)).items;
}

export async function conversation(id: number): Promise<ConversationDetail> {
  return (await api<{ conversation: ConversationDetail }>('GET', `/api/conversations/${id}`)).conversation;
}

export function postMessage(id: number, text: string, kind: ReplyKind, term?: { unit: 'workingDays' | 'weeks'; amount: number }) {
  return api<{ messageId: number; queued: boolean }>('POST', `/api/conversations/${id}/messages`, { text, kind, ...(term ? { term } : {}) });
}
