package shred

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver
)

// SQLiteKeyStore keeps wrapped data keys in their own SQLite file, apart
// from the events, with secure_delete on so a destroyed key's bytes are
// overwritten, and the WAL truncated after each destruction.
type SQLiteKeyStore struct{ db *sql.DB }

// OpenSQLiteKeyStore opens (creating) the key file at path.
func OpenSQLiteKeyStore(path string) (*SQLiteKeyStore, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "secure_delete(ON)", "busy_timeout(5000)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	db.SetMaxOpenConns(1) // few, small writes; one connection keeps them simple
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS data_keys (
		tenant TEXT NOT NULL,
		subject TEXT NOT NULL,
		wrapped BLOB,              -- NULL once destroyed
		created_at TEXT NOT NULL,
		destroyed_at TEXT,
		destroyed_rule TEXT,
		PRIMARY KEY (tenant, subject)
	) WITHOUT ROWID`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("key store schema: %w", err)
	}
	return &SQLiteKeyStore{db: db}, nil
}

// Close closes the file.
func (s *SQLiteKeyStore) Close() error { return s.db.Close() }

// Load implements KeyStore.
func (s *SQLiteKeyStore) Load(ctx context.Context, tenant, subject string) ([]byte, error) {
	var wrapped []byte
	err := s.db.QueryRowContext(ctx, `SELECT wrapped FROM data_keys WHERE tenant = ? AND subject = ?`, tenant, subject).Scan(&wrapped)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrNoKey
	case err != nil:
		return nil, fmt.Errorf("load data key: %w", err)
	case wrapped == nil:
		return nil, ErrDestroyed
	}
	return wrapped, nil
}

// Create implements KeyStore.
func (s *SQLiteKeyStore) Create(ctx context.Context, tenant, subject string, wrapped []byte) ([]byte, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO data_keys (tenant, subject, wrapped, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant, subject) DO NOTHING`, tenant, subject, wrapped, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, fmt.Errorf("create data key: %w", err)
	}
	return s.Load(ctx, tenant, subject)
}

// Destroy implements KeyStore.
func (s *SQLiteKeyStore) Destroy(ctx context.Context, tenant, subject, rule string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO data_keys (tenant, subject, wrapped, created_at, destroyed_at, destroyed_rule)
		VALUES (?, ?, NULL, ?, ?, ?)
		ON CONFLICT (tenant, subject) DO UPDATE SET wrapped = NULL, destroyed_at = excluded.destroyed_at, destroyed_rule = excluded.destroyed_rule
		WHERE data_keys.wrapped IS NOT NULL`,
		tenant, subject, at.UTC().Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano), rule)
	if err != nil {
		return fmt.Errorf("destroy data key: %w", err)
	}
	// The old page is overwritten (secure_delete); its copy in the WAL goes
	// when the WAL is checkpointed and truncated.
	var busy, frames, done int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("truncate key store WAL: %w", err)
	}
	if busy != 0 {
		// A reader held the WAL: the old key may still be in it. Refuse to
		// report success; destroying again retries the checkpoint.
		return fmt.Errorf("truncate key store WAL: busy (%d of %d frames checkpointed)", done, frames)
	}
	return nil
}
