package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// The cull register lists every data key destroyed by a culling or an
// erasure (tenant, subject, date, rule: opaque ids only). It lives beside
// the master key, never in a backup, because a backup taken before a
// culling still holds the keys: `iupd restore` destroys each listed key
// again in the restored key store, so no culled text comes back.
const cullRegisterName = "cull-register.jsonl"

// cullRegisterPath is the register of the master key at masterKeyFile.
func cullRegisterPath(masterKeyFile string) string {
	return filepath.Join(filepath.Dir(masterKeyFile), cullRegisterName)
}

// cullEntry is one line of the register.
type cullEntry struct {
	Tenant  string    `json:"tenant"`
	Subject string    `json:"subject"` // student id, or "student/doctype"
	At      time.Time `json:"at"`
	Rule    string    `json:"rule"`
}

// registeringKeys appends to the register before it destroys a key: a key
// destroyed is always listed (a crash in between lists a key still alive,
// which the next culling destroys anyway, and a restore destroys early).
type registeringKeys struct {
	shred.KeyStore
	path string
	mu   sync.Mutex
}

func withCullRegister(ks shred.KeyStore, masterKeyFile string) *registeringKeys {
	return &registeringKeys{KeyStore: ks, path: cullRegisterPath(masterKeyFile)}
}

// Destroy implements shred.KeyStore.
func (r *registeringKeys) Destroy(ctx context.Context, tenant, subject, rule string, at time.Time) error {
	if err := r.append(cullEntry{Tenant: tenant, Subject: subject, At: at.UTC(), Rule: rule}); err != nil {
		return fmt.Errorf("cull register: %w", err)
	}
	return sqlite.MarkUnavailable(r.KeyStore.Destroy(ctx, tenant, subject, rule, at))
}

// Load implements shred.KeyStore; a full disk or a held lock is a 503.
func (r *registeringKeys) Load(ctx context.Context, tenant, subject string) ([]byte, error) {
	k, err := r.KeyStore.Load(ctx, tenant, subject)
	return k, sqlite.MarkUnavailable(err)
}

// Create implements shred.KeyStore; a full disk or a held lock is a 503.
func (r *registeringKeys) Create(ctx context.Context, tenant, subject string, wrapped []byte) ([]byte, error) {
	k, err := r.KeyStore.Create(ctx, tenant, subject, wrapped)
	return k, sqlite.MarkUnavailable(err)
}

// DestroyedSince implements shred.DestructionLog when the wrapped store
// keeps one.
func (r *registeringKeys) DestroyedSince(ctx context.Context, mark int64) ([]shred.Subject, int64, error) {
	log, ok := r.KeyStore.(shred.DestructionLog)
	if !ok {
		return nil, 0, shred.ErrNoDestructionLog
	}
	subjects, next, err := log.DestroyedSince(ctx, mark)
	return subjects, next, sqlite.MarkUnavailable(err)
}

func (r *registeringKeys) append(e cullEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync() // the key goes next: the line must outlive a crash
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readCullRegister reads the register; a missing file is an empty one. A
// torn last line (a crash while appending) is skipped: its key was not
// destroyed yet, since the line is written and synced first.
func readCullRegister(path string) ([]cullEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []cullEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e cullEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Tenant == "" || e.Subject == "" {
			if !moreLines(sc) {
				break // the torn last line
			}
			return nil, fmt.Errorf("%s line %d is damaged", path, n)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// moreLines reports whether the scanner holds another non-empty line.
func moreLines(sc *bufio.Scanner) bool {
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			return true
		}
	}
	return false
}

// reapplyCullings destroys every listed key in the key store at keysPath.
func reapplyCullings(ctx context.Context, keysPath string, entries []cullEntry) error {
	if len(entries) == 0 {
		return nil
	}
	ks, err := shred.OpenSQLiteKeyStore(keysPath)
	if err != nil {
		return err
	}
	defer ks.Close()
	for _, e := range entries {
		// Destroying a destroyed key changes nothing; a key unknown to the
		// backup gets its tombstone, so it is never created again.
		if err := ks.Destroy(ctx, e.Tenant, e.Subject, e.Rule, e.At); err != nil {
			return fmt.Errorf("destroy a culled key again: %w", err)
		}
	}
	return nil
}
