-- Schema version 15: a prompt's instruction and reason in Japanese as
-- well, rendered from the message catalogue when the prompt is opened, so
-- the console, the CLI and the prompt command show either language without
-- rebuilding the text. Empty for prompts opened before: those show English.
ALTER TABLE prompts ADD COLUMN action_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE prompts ADD COLUMN why_ja TEXT NOT NULL DEFAULT '';
