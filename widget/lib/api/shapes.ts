// Checks that what Balie answers has the shape the widget relies on, before the UI trusts it.
// Hand-written guards instead of zod: the widget must stay under 30 KiB gzipped (issue 5 §2) and
// zod/mini alone would add ~6 KiB. The server validates every input it receives with zod.
import type { ChatMessage, ChatState } from '../../../server/realtime/events.ts';

type Shape = Record<string, (value: unknown) => boolean>;

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const nullable = (check: (value: unknown) => boolean) => (value: unknown) => value === null || check(value);
const oneOf = (...values: string[]) => (value: unknown) => values.includes(value as string);
const arrayOf = (check: (value: unknown) => boolean) => (value: unknown) => Array.isArray(value) && value.every(check);
/** An object with at least these fields (extra fields are allowed: the server may add some). */
const object = (shape: Shape) => (value: unknown) =>
  typeof value === 'object' && value !== null && Object.entries(shape).every(([key, check]) => check((value as Record<string, unknown>)[key]));

const chatMessage = object({
  id: isNumber,
  clientId: nullable(isString),
  from: oneOf('citizen', 'agent'),
  agentFirstName: nullable(isString),
  text: isString,
  createdAt: isString,
});

const chatState = object({
  reference: isString,
  status: oneOf('new', 'open', 'waiting', 'closed'),
  agent: nullable(object({ firstName: isString })),
  lastMessageId: nullable(isNumber),
  readThrough: nullable(isNumber),
  rated: isBoolean,
  expiresAt: isString,
});

const promise = nullable(object({ kind: oneOf('answer', 'acknowledgement'), dueAt: isString }));

export interface AnswerPromise {
  kind: 'answer' | 'acknowledgement';
  dueAt: string;
}

export interface ServiceStatus {
  chat: { open: boolean; agentsAvailable: boolean; available: boolean; nextOpening: string | null };
  email: { normId: string; promise: AnswerPromise | null };
  now: string;
}

export interface ChatStarted {
  token: string;
  expiresAt: string;
  conversation: ChatState;
  message: ChatMessage;
}

export interface QuestionReceived {
  reference: string;
  promise: AnswerPromise | null;
}

export interface StoredChat {
  token: string;
  expiresAt: string;
  outbox: { clientId: string; text: string }[];
}

export type Guard<T> = (value: unknown) => value is T;

export const shapes = {
  serviceStatus: object({
    chat: object({ open: isBoolean, agentsAvailable: isBoolean, available: isBoolean, nextOpening: nullable(isString) }),
    email: object({ normId: isString, promise }),
    now: isString,
  }) as Guard<ServiceStatus>,
  chatStarted: object({ token: isString, expiresAt: isString, conversation: chatState, message: chatMessage }) as Guard<ChatStarted>,
  questionReceived: object({ reference: isString, promise }) as Guard<QuestionReceived>,
  chatMessage: chatMessage as Guard<ChatMessage>,
  chatState: chatState as Guard<ChatState>,
  storedChat: object({ token: isString, expiresAt: isString, outbox: arrayOf(object({ clientId: isString, text: isString })) }) as Guard<StoredChat>,
};

/**
 * An address the server's check will accept in practice: something@domain.tld, no spaces, at most
 * 254 characters (RFC 5321 §4.5.3.1.3). The server's zod check has the last word.
 */
export function isEmailAddress(value: string): boolean {
  const address = value.trim();
  return address.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(address);
}
