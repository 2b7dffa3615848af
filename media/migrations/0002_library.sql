-- Schema version 2: what library inventories found missing.

-- When a library inventory did not find a cartridge the catalog places in
-- that library, missing_since records when; the next inventory that sees
-- it clears it.
ALTER TABLE cartridges ADD COLUMN missing_since TEXT;
