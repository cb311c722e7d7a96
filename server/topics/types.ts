// The topics' (onderwerpen, issue 15 §2) REST contract, for the server and the inbox (`import type`).
//
// GET   /api/topics                  any agent  → TopicList (active topics; ?all=true adds archived ones, admins only)
// POST  /api/topics                  admin      TopicCreate → 201 Topic            (audited: topic.create)
// PATCH /api/topics/:id              admin      TopicUpdate → Topic                (audited: topic.update)
// GET   /api/topics/settings         any agent  → TopicSettings
// PUT   /api/topics/settings         admin      TopicSettings → TopicSettings      (audited: topic.settings)
// Errors: 400 validation_failed; 404 not_found; 409 topic_name_taken (names are unique, ignoring case).
//
// Closing: POST /api/conversations/:id/close takes an optional `topicId` beside outcome and reason.
// When the gemeente requires a topic and none is given: 400 with code `topic_required`; an unknown
// or archived topic: 400 `unknown_topic`. Phone contacts and machine closes are not asked.
// Topics are archived (active: false), never deleted: past reports keep their names.

export interface Topic {
  id: number;
  name: string;
  active: boolean;
}

export interface TopicList {
  topics: Topic[];
  /** Whether closing needs a topic (the gemeente's setting). */
  required: boolean;
}

export interface TopicCreate {
  /** 1–100 characters, trimmed. */
  name: string;
}

export interface TopicUpdate {
  name?: string;
  active?: boolean;
}

export interface TopicSettings {
  required: boolean;
}

export const TOPIC_NAME_MAX = 100;
