package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/iup-platform/iup/eventstore"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapErr marks the failures a caller can only wait out (disk full, I/O
// error, file not openable or read-only, lock held elsewhere, store closed)
// as eventstore.ErrUnavailable, so the API answers 503 rather than 500.
func mapErr(err error) error {
	if err == nil || errors.Is(err, eventstore.ErrUnavailable) {
		return err
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary code; extended codes carry it in the low byte
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOLFS:
			return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
		return err
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed") {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// isConstraint reports a violated UNIQUE (or other) constraint: the
// statement failed but the transaction is intact.
func isConstraint(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
