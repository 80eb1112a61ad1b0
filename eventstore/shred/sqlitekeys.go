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
	if err == nil {
		// Every destruction, in order, so keyrings of other processes learn
		// of them in one read (DestroyedSince). Triggers, not Destroy, write
		// it: a key file shared with an older binary still records its
		// destructions.
		_, err = db.Exec(`CREATE TABLE IF NOT EXISTS destructions (
			seq INTEGER PRIMARY KEY AUTOINCREMENT,
			tenant TEXT NOT NULL,
			subject TEXT NOT NULL
		);
		CREATE TRIGGER IF NOT EXISTS data_key_destroyed AFTER UPDATE OF wrapped ON data_keys
			WHEN OLD.wrapped IS NOT NULL AND NEW.wrapped IS NULL
			BEGIN INSERT INTO destructions (tenant, subject) VALUES (NEW.tenant, NEW.subject); END;
		CREATE TRIGGER IF NOT EXISTS data_key_tombstoned AFTER INSERT ON data_keys
			WHEN NEW.wrapped IS NULL
			BEGIN INSERT INTO destructions (tenant, subject) VALUES (NEW.tenant, NEW.subject); END;`)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("key store schema: %w", err)
	}
	return &SQLiteKeyStore{db: db}, nil
}

// DestroyedSince implements DestructionLog.
func (s *SQLiteKeyStore) DestroyedSince(ctx context.Context, mark int64) ([]Subject, int64, error) {
	if mark < 0 {
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM destructions`).Scan(&mark)
		if err != nil {
			return nil, 0, fmt.Errorf("key destructions: %w", err)
		}
		return nil, mark, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, tenant, subject FROM destructions WHERE seq > ? ORDER BY seq`, mark)
	if err != nil {
		return nil, 0, fmt.Errorf("key destructions: %w", err)
	}
	defer rows.Close()
	var out []Subject
	for rows.Next() {
		var sub Subject
		if err := rows.Scan(&mark, &sub.Tenant, &sub.Subject); err != nil {
			return nil, 0, fmt.Errorf("key destructions: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("key destructions: %w", err)
	}
	return out, mark, nil
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
