package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// A backup is one tar file: events.db, the read access log (access-log.db,
// when the service has written one) and keys.db, each a consistent SQLite
// snapshot, then manifest.json with their hashes and the history's
// digest (last, because the digest is computed from the archived copy). The master key is never in it: whoever
// holds a backup and its master key can read every child's records, so the
// two are kept apart (see RELIABILITY.md).
const (
	backupFormat   = "iupd-backup/1"
	manifestName   = "manifest.json"
	eventsFileName = "events.db"
	keysFileName   = "keys.db"
)

// backupManifest describes a backup and lets restore check it.
type backupManifest struct {
	Format    string            `json:"format"`
	CreatedAt time.Time         `json:"created_at"`
	Events    uint64            `json:"events"`
	Head      string            `json:"head"`   // position of the last event in the copy
	Digest    string            `json:"digest"` // chained digest at Head
	SHA256    map[string]string `json:"sha256"` // file name -> hex digest
}

// backupCommand copies the embedded store while the service runs.
func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "the backup file to write (a tar of events.db, keys.db and a manifest)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: say where: --out FILE")
	}
	eventsPath, err := sf.sqlitePath()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m, err := writeBackup(ctx, eventsPath, filepath.Join(sf.dataDir, keysFileName), *out, stderr,
		filepath.Join(sf.dataDir, AccessLogFile))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup %s: %d events, head %s, digest %s\n", *out, m.Events, m.Head, m.Digest)
	fmt.Fprintln(stdout, "the master key is not in the backup: keep a copy of it elsewhere, never beside this file")
	return nil
}

// sqlitePath is the events file the flags name.
func (f *storeFlags) sqlitePath() (string, error) {
	if f.events == "" {
		return filepath.Join(f.dataDir, eventsFileName), nil
	}
	path, ok := strings.CutPrefix(f.events, "sqlite:")
	if !ok {
		return "", fmt.Errorf("only the embedded store is backed up this way, not %q (use KurrentDB's own backups)", f.events)
	}
	return path, nil
}

// writeBackup snapshots both files into a fresh folder beside out, archives
// them, checks the events copy's chain (which gives the digest) and adds
// the manifest; the tar appears atomically (temporary name, fsync, rename).
//
// accessLogPath may name a file that does not exist (a service that has
// served no reads yet): the backup then has no access log.
func writeBackup(ctx context.Context, eventsPath, keysPath, out string, progressTo io.Writer, accessLogPath string) (backupManifest, error) {
	var m backupManifest
	for _, p := range []string{eventsPath, keysPath} {
		if _, err := os.Stat(p); err != nil {
			return m, err
		}
	}
	names := []string{eventsFileName, keysFileName}
	withAccessLog := false
	if accessLogPath != "" {
		if _, err := os.Stat(accessLogPath); err == nil {
			withAccessLog = true
			names = append(names, AccessLogFile)
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(out), ".iupd-backup-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(work)
	// Events first, keys second: a data key is created before the first
	// event sealed with it is appended, so every event in the copy finds
	// its key in the later copy of the key store. The other order could
	// miss the keys of the newest events, which would then read as culled.
	if err := vacuumInto(ctx, eventsPath, filepath.Join(work, eventsFileName)); err != nil {
		return m, fmt.Errorf("snapshot events: %w", err)
	}
	// The access log's entries are sealed with data keys too: before keys.
	if withAccessLog {
		if err := vacuumInto(ctx, accessLogPath, filepath.Join(work, AccessLogFile)); err != nil {
			return m, fmt.Errorf("snapshot the access log: %w", err)
		}
	}
	if err := vacuumInto(ctx, keysPath, filepath.Join(work, keysFileName)); err != nil {
		return m, fmt.Errorf("snapshot keys: %w", err)
	}
	m = backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC(), SHA256: map[string]string{}}
	for _, name := range names {
		if m.SHA256[name], err = fileSHA256(filepath.Join(work, name)); err != nil {
			return m, err
		}
	}
	tmp := out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return m, err
	}
	defer os.Remove(tmp) // after the rename, a no-op
	tw := tar.NewWriter(f)
	for _, name := range names {
		if err := addFile(tw, filepath.Join(work, name), name, m.CreatedAt); err != nil {
			f.Close()
			return m, err
		}
	}
	// Only now is the work copy opened as a store (which writes to it):
	// its chain is checked and gives the digest the manifest records.
	digest, err := chainOf(ctx, filepath.Join(work, eventsFileName), progressTo, "backup: check the copy")
	if err != nil {
		f.Close()
		return m, err
	}
	m.Events, m.Head, m.Digest = digest.Events, digest.At, digest.Digest
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err == nil {
		err = tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: m.CreatedAt})
	}
	if err == nil {
		_, err = tw.Write(manifest)
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return m, err
	}
	return m, syncDir(filepath.Dir(out))
}

// vacuumInto writes a consistent, compacted copy of the SQLite file at src
// to dst (which must not exist) from a read-only connection: a WAL reader
// sees one committed state and never blocks the service's writer.
func vacuumInto(ctx context.Context, src, dst string) error {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: src}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, dst)
	return err
}

// chainOf verifies the chain of the events file at path (a copy: opening
// it may write its schema version) and returns the digest at its head.
func chainOf(ctx context.Context, path string, progressTo io.Writer, task string) (eventstore.Digest, error) {
	s, err := sqlite.Open(path)
	if err != nil {
		return eventstore.Digest{}, err
	}
	defer s.Close()
	prog := newProgress(progressTo, task, "events", 0)
	defer prog.Done()
	var seen uint64
	problems, digest, err := eventstore.VerifyChain(ctx, s, eventstore.VerifyOptions{Progress: func(n uint64) {
		prog.Add(int64(n - seen))
		seen = n
	}})
	if err != nil {
		return digest, err
	}
	if len(problems) > 0 {
		return digest, fmt.Errorf("the copy's history has %d problem(s), the first: %s; run `iupd verify --chain`", len(problems), problems[0])
	}
	return digest, nil
}

func addFile(tw *tar.Writer, path, name string, at time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: at}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
