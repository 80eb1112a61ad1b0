package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// readStmts are the read pool's hot queries, prepared once per store.
// Preparing them on every call had SQLite parse the same text again for
// every command's stream read (8-9% of the service's CPU under write load).
// A *sql.Stmt is safe on a pool: database/sql prepares it once on each
// connection that runs it and reuses that.
//
// None binds a LIMIT: SQLite plans with a bound LIMIT's value and so
// re-prepares the statement whenever it changes (three times the cost of a
// short read). The rows come in index order without sorting, so query stops
// stepping at the limit instead.
type readStmts struct {
	streamRev, forward, backward, all, head, byRequest, digestAt *sql.Stmt
}

func prepareReads(db *sql.DB) (readStmts, error) {
	var r readStmts
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&r.streamRev, `SELECT revision FROM streams WHERE stream = ?`},
		{&r.forward, `SELECT ` + eventColumns + ` FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`},
		{&r.backward, `SELECT ` + eventColumns + ` FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC`},
		{&r.all, `SELECT ` + eventColumns + ` FROM events WHERE position > ? ORDER BY position`},
		{&r.head, `SELECT max(position) FROM events`},
		// The range form (>= prefix, < prefix+0xFF) uses the partial index;
		// the repeated bounds let SQLite see the index's WHERE clause is implied.
		{&r.byRequest, `SELECT ` + eventColumns + ` FROM events
			WHERE json_extract(metadata, '$.request_id') >= ? AND json_extract(metadata, '$.request_id') < ?
			  AND json_extract(metadata, '$.request_id') >= '` + idemLo + `' AND json_extract(metadata, '$.request_id') < '` + idemHi + `'
			ORDER BY position`},
		{&r.digestAt, `SELECT chain FROM events WHERE position = ?`},
	} {
		stmt, err := db.Prepare(p.sql)
		if err != nil {
			_ = r.close()
			return readStmts{}, fmt.Errorf("sqlite event store: prepare read: %w", mapErr(err))
		}
		*p.stmt = stmt
	}
	return r, nil
}

func (r readStmts) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{r.streamRev, r.forward, r.backward, r.all, r.head, r.byRequest, r.digestAt} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
