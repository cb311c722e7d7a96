// Topics (onderwerpen, issue 15 §2): the list agents choose from when closing, and what admins change.
import type { Topic, TopicCreate, TopicList, TopicSettings, TopicUpdate } from '../../../server/topics/types.ts';
import { api } from './http.ts';

export type { Topic, TopicList, TopicSettings } from '../../../server/topics/types.ts';

/** The active topics and whether closing needs one; `all`: archived ones too (admins). */
export function topics(options: { all?: boolean } = {}): Promise<TopicList> {
  return api<TopicList>('GET', `/api/topics${options.all ? '?all=true' : ''}`);
}

export function createTopic(body: TopicCreate): Promise<Topic> {
  return api<Topic>('POST', '/api/topics', body);
}

export function updateTopic(id: number, body: TopicUpdate): Promise<Topic> {
  return api<Topic>('PATCH', `/api/topics/${id}`, body);
}

export function topicSettings(): Promise<TopicSettings> {
  return api<TopicSettings>('GET', '/api/topics/settings');
}

export function saveTopicSettings(body: TopicSettings): Promise<TopicSettings> {
  return api<TopicSettings>('PUT', '/api/topics/settings', body);
}
