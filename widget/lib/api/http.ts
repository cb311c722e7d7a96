// The public REST calls the widget makes to its Balie: service status, starting a chat, leaving a
// question. Answers are checked (shapes.ts) before the UI trusts them.
import { shapes, type ChatStarted, type Guard, type QuestionReceived, type ServiceStatus } from './shapes.ts';

export type { ChatStarted, QuestionReceived, ServiceStatus };

/** A failed call: `code` is the server's error code, or network / invalid_answer. */
export class ApiError extends Error {
  constructor(readonly code: string, readonly status: number, readonly body?: unknown) {
    super(code);
  }
}

async function call<T>(base: string, path: string, check: Guard<T>, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(base + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      // The gemeente's cookies are none of Balie's business, and Balie sets none for citizens.
      credentials: 'omit',
    });
  } catch {
    throw new ApiError('network', 0);
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const code = (json as { error?: { code?: unknown } } | undefined)?.error?.code;
    throw new ApiError(response.status === 429 ? 'rate_limited' : typeof code === 'string' ? code : 'http_' + response.status, response.status, json);
  }
  if (!check(json)) throw new ApiError('invalid_answer', response.status);
  return json;
}

export const fetchService = (base: string) => call(base, '/api/public/service', shapes.serviceStatus);

export const startChat = (base: string, input: { clientId: string; text: string; name?: string }) => call(base, '/api/public/chats', shapes.chatStarted, input);

export const askQuestion = (base: string, input: { clientId: string; email: string; name?: string; text: string; lang: 'nl' | 'en' }) =>
  call(base, '/api/public/questions', shapes.questionReceived, input);
