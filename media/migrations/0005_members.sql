-- Schema version 5: the file index, each run's members as it wrote them.

-- One row per member of a run's tar stream. Seq is the member's position
-- in the stream (unique in the run); piece and file say where the member
-- starts on tape (the run's piece number and its tape file number). The
-- primary key is ordered by path within a run, so a listing of a run with
-- a glob that begins with a literal prefix reads only that prefix's rows,
-- and "which runs hold this file" seeks that prefix in each run. There is
-- no index on path alone: it would make every member of every run a write
-- to a random page of it, several times the cost of the table itself, for
-- a lookup that is fast enough run by run. mtime is in nanoseconds since
-- 1970 (UTC).
CREATE TABLE members (
    run   INTEGER NOT NULL REFERENCES runs (id),
    path  TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    piece INTEGER NOT NULL,
    file  INTEGER NOT NULL,
    type  TEXT NOT NULL CHECK (type IN ('file', 'dir', 'symlink', 'hardlink', 'other')),
    size  INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    PRIMARY KEY (run, path, seq)
) WITHOUT ROWID;
