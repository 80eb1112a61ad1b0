package handlers

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/iup-platform/iup/domain"
)

// SQLiteAccessSink keeps the read access log in its own SQLite file, apart
// from the event store: reads are not events of any aggregate, and their
// volume must not crowd the log the views are built from. Triggers refuse
// updates and deletes, so the table is append-only.
type SQLiteAccessSink struct{ db *sql.DB }

const accessSchema = `
CREATE TABLE IF NOT EXISTS access_log (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant     TEXT NOT NULL,
	at         TEXT NOT NULL,
	actor_id   TEXT NOT NULL,
	role       TEXT NOT NULL,
	what       TEXT NOT NULL,
	object     TEXT NOT NULL,
	student_id TEXT NOT NULL,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS access_by_student ON access_log (tenant, student_id, seq);
CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
`

// OpenSQLiteAccessSink opens (creating) the access log at path.
func OpenSQLiteAccessSink(path string) (*SQLiteAccessSink, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("open access log: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(accessSchema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("access log schema: %w", err)
	}
	return &SQLiteAccessSink{db: db}, nil
}

// Append writes one batch in one transaction.
func (s *SQLiteAccessSink) Append(ctx context.Context, es []AccessEntry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	st, err := tx.PrepareContext(ctx, `INSERT INTO access_log (tenant, at, actor_id, role, what, object, student_id, request_id) VALUES (?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	defer st.Close()
	for _, e := range es {
		if _, err := st.ExecContext(ctx, e.Tenant, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, string(e.Role), e.What, e.Object, e.StudentID, e.RequestID); err != nil {
			return fmt.Errorf("access log: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	return nil
}

// Read returns a student's newest entries, newest first.
func (s *SQLiteAccessSink) Read(ctx context.Context, tenant, student string, limit int) ([]AccessEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor_id, role, what, object, request_id FROM access_log
		WHERE tenant = ? AND student_id = ? ORDER BY seq DESC LIMIT ?`, tenant, student, limit)
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	defer rows.Close()
	var out []AccessEntry
	for rows.Next() {
		e := AccessEntry{Tenant: tenant, StudentID: student}
		var at, role string
		if err := rows.Scan(&at, &e.ActorID, &role, &e.What, &e.Object, &e.RequestID); err != nil {
			return nil, fmt.Errorf("access log: %w", err)
		}
		e.Role = domain.Role(role)
		if e.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("access log: entry time: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Close closes the file.
func (s *SQLiteAccessSink) Close() error { return s.db.Close() }
