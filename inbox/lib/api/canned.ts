// Canned answers (standaardantwoorden): everyone reads them, supervisors and admins manage them.
import { z } from 'zod';
import { api } from './http.ts';

export interface CannedAnswer {
  id: number;
  title: string;
  body: string;
  updatedAt: string;
}

/** The same limits as the server, so the form says what is wrong before sending. */
export const cannedAnswerInput = z.object({
  title: z.string().trim().min(1).max(120),
  body: z.string().trim().min(1).max(5000),
});
export type CannedAnswerInput = z.infer<typeof cannedAnswerInput>;

export async function cannedAnswers(): Promise<CannedAnswer[]> {
  return (await api<{ items: CannedAnswer[] }>('GET', '/api/canned-answers')).items;
}

/** The answer's text with {naam}, {referentie} and {termijn} filled in for this conversation. */
export async function renderCannedAnswer(conversationId: number, cannedId: number): Promise<string> {
  return (await api<{ text: string }>('GET', `/api/conversations/${conversationId}/canned-answers/${cannedId}`)).text;
}

export function createCannedAnswer(input: CannedAnswerInput) {
  return api<unknown>('POST', '/api/canned-answers', input);
}

export function updateCannedAnswer(id: number, input: CannedAnswerInput) {
  return api<unknown>('PUT', `/api/canned-answers/${id}`, input);
}

export function deleteCannedAnswer(id: number) {
  return api<unknown>('DELETE', `/api/canned-answers/${id}`);
}
