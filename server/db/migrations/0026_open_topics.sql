-- The KPI report's backlog per topic (issue 15 §9). A topic is set when a conversation is closed,
-- so the open conversations with one are the few reopened after a close: this index holds only
-- those, and the report counts them instead of reading every open conversation (the rest of the
-- backlog, topic none, is the inbox count deltas' total minus them). It costs writers nothing
-- measurable: an entry only for a reopened conversation with a topic, and no HOT update is lost
-- (status is in other partial indexes' predicates already, topic_id changes only at a close).
CREATE INDEX conversations_open_topic_idx ON conversations (topic_id)
  WHERE status <> 'closed' AND topic_id IS NOT NULL;
