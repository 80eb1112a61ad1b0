package sqlite

import (
	"database/sql"
	"fmt"
)

// schema is idempotent so Open can run it on every start.
//
// events.position is the rowid: strictly increasing because one writer
// assigns it in commit order and rows are never deleted. The append_first and
// append_last columns (revisions of the first and last event of the append
// an event came with) let a retry be recognised as exactly that append. The
// chain column records the global chained digest at every event, so the
// verifier can name the first event where a recomputation diverges.
const schema = `
CREATE TABLE IF NOT EXISTS streams (
	stream    TEXT PRIMARY KEY,
	revision  INTEGER NOT NULL, -- revision of the stream's last event
	last_hash TEXT    NOT NULL  -- its content hash: the next event links to it
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
	position       INTEGER PRIMARY KEY,
	event_id       BLOB    NOT NULL UNIQUE,
	stream         TEXT    NOT NULL REFERENCES streams(stream) DEFERRABLE INITIALLY DEFERRED,
	revision       INTEGER NOT NULL,
	type           TEXT    NOT NULL,
	schema_version INTEGER NOT NULL,
	data           BLOB    NOT NULL, -- JSON, kept byte for byte
	metadata       TEXT    NOT NULL, -- JSON of eventstore.Metadata
	recorded_at    INTEGER NOT NULL, -- Unix nanoseconds, UTC
	append_first   INTEGER NOT NULL,
	append_last    INTEGER NOT NULL,
	chain          TEXT    NOT NULL, -- chained digest of the log up to and including this event
	UNIQUE (stream, revision)        -- also the index ReadStream uses
);
-- The API's Idempotency-Key lookup (requests.go): only events whose request
-- id marks a keyed request are indexed.
CREATE INDEX IF NOT EXISTS events_idempotency ON events (json_extract(metadata, '$.request_id'))
	WHERE json_extract(metadata, '$.request_id') >= 'idem:' AND json_extract(metadata, '$.request_id') < 'idem;';
`

// schemaVersion is kept in PRAGMA user_version, so a file written by a newer
// version of the store is refused instead of misread.
const schemaVersion = 1

func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("sqlite event store: read schema version: %w", mapErr(err))
	}
	if v > schemaVersion {
		return fmt.Errorf("sqlite event store: schema version %d is newer than this program's %d", v, schemaVersion)
	}
	if _, err := db.Exec(schema); err != nil {
		return fmt.Errorf("sqlite event store: create schema: %w", mapErr(err))
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return fmt.Errorf("sqlite event store: set schema version: %w", mapErr(err))
	}
	return nil
}
