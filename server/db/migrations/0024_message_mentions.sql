-- Colleagues named with @ in an internal note (issue 16 §4): one row per mentioned agent, so the
-- mention is notified to that agent alone and stays findable after renames.
CREATE TABLE message_mentions (
  message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  agent_id   bigint NOT NULL REFERENCES agents (id),
  PRIMARY KEY (message_id, agent_id)
);
CREATE INDEX message_mentions_agent ON message_mentions (agent_id);
