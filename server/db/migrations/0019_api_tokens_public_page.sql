-- Integrations and the public norm page (issue 15 §6, §7): API tokens an admin creates for a BI
-- tool that pulls the export, and the admin's opt-in to publish the norm's performance.
-- Released migrations are never edited; add a new file instead.

-- A token is shown once when created; only the SHA-256 of it is stored (it carries 256 random
-- bits, so a fast hash suffices — unlike a password — and a leaked database logs nobody in).
-- `display_prefix` lets an admin recognise a token in the list without it being usable.
CREATE TABLE api_tokens (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_hash     bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  display_prefix text NOT NULL CHECK (length(display_prefix) BETWEEN 4 AND 32),
  -- Read-only scopes only; export:read is the only one so far.
  scopes         text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['export:read']),
  created_by     bigint REFERENCES agents (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz,
  last_used_at   timestamptz,
  revoked_at     timestamptz,
  revoked_by     bigint REFERENCES agents (id) ON DELETE SET NULL,
  CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX api_tokens_created_idx ON api_tokens (created_at DESC, id DESC);

-- One row (id is always true), absent until an admin first sets it: the page is off by default.
CREATE TABLE public_page_settings (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  enabled    boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES agents (id) ON DELETE SET NULL
);
