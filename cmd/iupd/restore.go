package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// restoreCommand brings a backup back into an empty data folder, then
// destroys again every data key the cull register beside the master key
// lists: a culling or erasure done after the backup was taken must not
// bring culled text back.
func restoreCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dataDir := fs.String("data-dir", envOr("data-dir", "./data"), "the folder to restore into ("+envName("data-dir")+")")
	from := fs.String("from", "", "the backup file written by `iupd backup`")
	force := fs.Bool("force", false, "replace an existing store in the data folder")
	masterKey := fs.String("master-key-file", envOr("master-key-file", ""), "master key file, default DATA_DIR/master.key ("+envName("master-key-file")+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: say from where: --from FILE")
	}
	if *masterKey == "" {
		*masterKey = filepath.Join(*dataDir, "master.key")
	}
	if err := readyForRestore(*dataDir, *masterKey, *force); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	m, err := restoreBackup(ctx, *from, *dataDir, stderr)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %d events (head %s, digest %s) into %s\n", m.Events, m.Head, m.Digest, *dataDir)
	// Before anything can open the keys: the service must never start on
	// keys that a culling destroyed.
	culls, err := readCullRegister(cullRegisterPath(*masterKey))
	if err == nil {
		err = reapplyCullings(ctx, filepath.Join(*dataDir, keysFileName), culls)
	}
	if err != nil {
		// The restored keys may still open culled content: take them away.
		_ = os.Remove(filepath.Join(*dataDir, keysFileName))
		return fmt.Errorf("restore: re-apply the cull register %s: %w (the restored %s was removed; fix the register and restore again)",
			cullRegisterPath(*masterKey), err, keysFileName)
	}
	fmt.Fprintf(stdout, "re-applied %d destroyed data keys from the cull register %s\n", len(culls), cullRegisterPath(*masterKey))
	switch err := checkMasterKey(ctx, *dataDir, *masterKey); {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(stdout, "no master key at %s: put the organiser's copy there before starting the service (it is never in a backup)\n", *masterKey)
	case err != nil:
		return fmt.Errorf("restore: the data was restored, but %w", err)
	default:
		fmt.Fprintln(stdout, "the master key opens the restored data keys")
	}
	return nil
}

// readyForRestore refuses a data folder that holds anything but the master
// key and its cull register, unless force is set; with force it removes only the store's files.
func readyForRestore(dir, masterKey string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o750)
	}
	if err != nil {
		return err
	}
	var others []string
	for _, e := range entries {
		if p := filepath.Join(dir, e.Name()); p != filepath.Clean(masterKey) && p != cullRegisterPath(masterKey) {
			others = append(others, e.Name())
		}
	}
	if len(others) == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("%s is not empty (%s): restore into an empty folder, or give --force to replace the store", dir, strings.Join(others, ", "))
	}
	for _, name := range others {
		if strings.HasPrefix(name, eventsFileName) || strings.HasPrefix(name, keysFileName) || strings.HasPrefix(name, AccessLogFile) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// restoreBackup unpacks the backup into a work folder inside dir, checks
// every file's hash and the events' chain against the manifest, then moves
// the files into place.
func restoreBackup(ctx context.Context, from, dir string, progressTo io.Writer) (backupManifest, error) {
	var m backupManifest
	f, err := os.Open(from)
	if err != nil {
		return m, err
	}
	defer f.Close()
	work, err := os.MkdirTemp(dir, ".iupd-restore-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(work)
	tr := tar.NewReader(f)
	got := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("%s: %w", from, err)
		}
		switch h.Name {
		case manifestName:
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return m, err
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil || m.Format != backupFormat {
				return m, fmt.Errorf("%s is not a backup this program reads (format %q): %v", from, m.Format, err)
			}
		case eventsFileName, keysFileName, AccessLogFile:
			if got[h.Name] {
				return m, fmt.Errorf("%s: %s twice", from, h.Name)
			}
			if err := extract(tr, filepath.Join(work, h.Name)); err != nil {
				return m, err
			}
			got[h.Name] = true
		default:
			return m, fmt.Errorf("%s: unexpected member %q", from, h.Name)
		}
	}
	if m.Format == "" || !got[eventsFileName] || !got[keysFileName] {
		return m, fmt.Errorf("%s: incomplete: a backup holds %s, %s and %s", from, eventsFileName, keysFileName, manifestName)
	}
	names := []string{eventsFileName, keysFileName}
	if got[AccessLogFile] {
		names = append(names, AccessLogFile)
	} else if _, listed := m.SHA256[AccessLogFile]; listed {
		return m, fmt.Errorf("%s: incomplete: the manifest lists %s but the backup does not hold it", from, AccessLogFile)
	}
	for _, name := range names {
		sum, err := fileSHA256(filepath.Join(work, name))
		if err != nil {
			return m, err
		}
		if sum != m.SHA256[name] {
			return m, fmt.Errorf("%s: %s is damaged (SHA-256 %s, the manifest says %s)", from, name, sum, m.SHA256[name])
		}
	}
	// Keys first: a store whose events are in place but whose keys are not
	// would read as culled if the service started in between.
	for _, name := range append([]string{keysFileName}, names[2:]...) {
		if err := os.Rename(filepath.Join(work, name), filepath.Join(dir, name)); err != nil {
			return m, err
		}
	}
	for _, name := range []string{eventsFileName} {
		if err := os.Rename(filepath.Join(work, name), filepath.Join(dir, name)); err != nil {
			return m, err
		}
	}
	if err := syncDir(dir); err != nil {
		return m, err
	}
	// Checked in place: opening the store starts its WAL beside the file.
	digest, err := chainOf(ctx, filepath.Join(dir, eventsFileName), progressTo, "restore: check the history")
	if err == nil && (digest.Digest != m.Digest || digest.Events != m.Events) {
		err = fmt.Errorf("the restored history (%d events, digest %s) is not the one backed up (%d events, digest %s)",
			digest.Events, digest.Digest, m.Events, m.Digest)
	}
	if err != nil {
		// Leave the folder as empty as it was found.
		for _, name := range []string{eventsFileName, eventsFileName + "-wal", eventsFileName + "-shm", keysFileName, AccessLogFile} {
			_ = os.Remove(filepath.Join(dir, name))
		}
		return m, err
	}
	return m, nil
}

func extract(r io.Reader, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkMasterKey proves the master key opens the restored data: it decodes
// sealed events until one opens (a culled one proves nothing either way).
func checkMasterKey(ctx context.Context, dir, masterKey string) error {
	if _, err := os.Stat(masterKey); err != nil {
		return err
	}
	codec, keys, err := openVerifyCodec(dir, masterKey)
	if err != nil {
		return err
	}
	defer keys.Close()
	s, err := sqlite.Open(filepath.Join(dir, eventsFileName))
	if err != nil {
		return err
	}
	defer s.Close()
	for after := eventstore.Start; ; {
		page, err := s.ReadAll(ctx, after, 500)
		if err != nil || len(page) == 0 {
			return err // nil: nothing sealed to check, or every sealed event culled
		}
		for _, rec := range page {
			if !bytes.Contains(rec.Data, []byte(`"_sealed"`)) {
				continue
			}
			_, culled, err := codec.Decode(ctx, rec)
			if err != nil {
				return fmt.Errorf("the master key at %s does not open the restored data keys: %w", masterKey, err)
			}
			if !culled {
				return nil
			}
		}
		after = page[len(page)-1].Position
	}
}
