// The inbox's one way to call Balie's API: JSON in, JSON out, errors as codes.

/** A field the server named in a validation_failed answer, e.g. `businessHours`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The rest of the server's `error` object: `fields`, a 409's `assignee`, … */
    readonly details: { fields?: FieldProblem[]; assignee?: { id: number; name: string } } = {},
  ) {
    super(code);
  }
}

/** Dispatched on window when an API call answers 401: the session is gone. */
export const SESSION_LOST = 'balie:session-lost';

/** The code of any error the inbox may catch: our ApiError's code, or `internal`. */
export function errorCode(error: unknown): string {
  return error instanceof ApiError ? error.code : 'internal';
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    // The session ran out (or was ended elsewhere): the app goes back to the login page.
    if (response.status === 401 && !path.startsWith('/api/auth/')) window.dispatchEvent(new Event(SESSION_LOST));
    const { code, message: _message, ...details } = data?.error ?? {};
    throw new ApiError(response.status, typeof code === 'string' ? code : 'internal', details);
  }
  return data as T;
}

/** A query string from the filled-in values only. */
export function query(values: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
