// The contact calls of issue 16.5: the addresses a citizen typed with their contacts, a contact
// search, linking a conversation to a contact, and merging contacts and conversations.
import type { ContactSummary, FoundAddress } from '../../../server/contacts/link.ts';
import { api, query } from './http.ts';

export type { ContactSummary, FoundAddress };

export const contactSuggestions = (conversationId: number) => api<{ addresses: FoundAddress[] }>('GET', `/api/conversations/${conversationId}/contact-suggestions`).then((r) => r.addresses);

export const searchContacts = (q: string) => api<{ contacts: ContactSummary[] }>('GET', `/api/contacts${query({ q })}`).then((r) => r.contacts);

export const linkContact = (conversationId: number, target: { contactId: number } | { email: string } | { phone: string }) =>
  api<{ contact: ContactSummary }>('POST', `/api/conversations/${conversationId}/contact`, target);

export const mergeContacts = (keptId: number, absorbedId: number) => api<{ contact: ContactSummary }>('POST', `/api/contacts/${keptId}/merge`, { absorbedId });

export const mergeConversation = (keptId: number, absorbedId: number) => api<{ conversationId: number }>('POST', `/api/conversations/${keptId}/merge`, { absorbedId });
