-- Schema version 4: a cartridge whose tape holds data this catalog does not
-- know is released for overwriting only by a person ('tapewarden media
-- erase'); released_at holds that until the next write from tape file 1.

ALTER TABLE cartridges ADD COLUMN released_at TEXT;
