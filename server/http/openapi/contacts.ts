// Contacts and merges (issue 16.5): find a contact, link a conversation to one, merge duplicate
// contacts or conversations.
import { z } from 'zod';
import { linkBody, mergeBody as contactMergeBody, searchQuery } from '../../contacts/routes.ts';
import { mergeBody as conversationMergeBody } from '../../inbox/merge-routes.ts';
import { area, idParams, json } from './registry.ts';
import { rows } from './schemas.ts';

export default area('Contacts', 'Citizens as contacts: search, link a conversation, merge duplicates (contacts or conversations).', [
  { method: 'get', path: '/api/contacts', summary: 'Find contacts by name, e-mail or phone (audited as a search)', access: 'session', query: searchQuery, responses: { 200: json('The contacts', z.looseObject({ contacts: rows('id') })) } },
  { method: 'get', path: '/api/conversations/:id/contact-suggestions', summary: 'The addresses the citizen wrote in this conversation, with their contacts', access: 'session', params: idParams, responses: { 200: json('The addresses', z.looseObject({ addresses: z.array(z.looseObject({})) })) } },
  { method: 'post', path: '/api/conversations/:id/contact', summary: 'Link the conversation to a contact: by id, or by an address (a contact is made when none has it)', access: 'session', params: idParams, body: linkBody, responses: { 200: json('Linked', z.looseObject({ conversationId: z.number().int(), contact: z.unknown(), previousContactId: z.number().int().nullable() })) } },
  { method: 'post', path: '/api/contacts/:id/merge', summary: 'Merge contact absorbedId into this one', access: 'session', params: idParams, body: contactMergeBody, responses: { 200: json('Merged', z.looseObject({ contact: z.unknown(), conversations: z.array(z.number().int()) })) }, errors: ['merge_refused'] },
  { method: 'post', path: '/api/conversations/:id/merge', summary: 'Merge conversation absorbedId into this one (both open)', access: 'session', params: idParams, body: conversationMergeBody, responses: { 200: json('Merged', z.looseObject({ conversationId: z.number().int(), reference: z.string(), absorbed: z.looseObject({ conversationId: z.number().int(), reference: z.string() }) })) }, errors: ['merge_refused', 'conversation_closed'] },
]);
