package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/handlers/export"
	"github.com/iup-platform/iup/projections/views"
)

// studentExport is everything stored about one student (right of access,
// GDPR art. 15), built by handlers/export, the same code the API's
// GET /v1/students/{id}/export runs.
type studentExport struct{ *export.Record }

// mentions reports whether JSON value raw names id (see export.Mentions).
func mentions(raw []byte, id string) bool { return export.Mentions(raw, id) }

// buildExport gathers the export, building the views from the log in
// memory (the same code the service runs). The read access log is read
// from accessPath when that file exists ("" = none).
func buildExport(ctx context.Context, store eventstore.Store, codec *shred.Codec, tenant, student string, now time.Time, accessPath ...string) (*studentExport, error) {
	x := export.New(tenant, student, now)
	if err := x.CollectEvents(ctx, store, codec); err != nil {
		return nil, err
	}
	rs, err := startReadSide(ctx, store, codec, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	err = x.CollectDocs(ctx, viewReader{rt: rs.runtime}, views.Names())
	if cerr := rs.Close(); err == nil && cerr != nil && ctx.Err() == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("export views: %w", err)
	}
	for _, path := range accessPath {
		if err := readAccessFile(ctx, x, path, codec.Keyring()); err != nil {
			return nil, err
		}
	}
	return &studentExport{x}, nil
}

// readAccessFile adds the student's entries of the read access log that
// iupd serve keeps beside the event store; a missing file means no reads.
func readAccessFile(ctx context.Context, x *export.Record, path string, keys *shred.Keyring) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	sink, err := openAccessLogFile(path, keys)
	if err != nil {
		return err
	}
	entries, err := sink.Read(ctx, x.Tenant, x.Student, math.MaxInt32)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export access log: %w", err)
	}
	x.AccessLog = append(x.AccessLog, handlers.ExportAccess(entries)...)
	return nil
}

// write renders the export as JSON or as a readable HTML document.
func (x *studentExport) write(w io.Writer, format string) error { return x.Write(w, format) }

// exportCommand writes everything stored about one student.
func exportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var tf toolFlags
	tf.register(fs)
	tenant := fs.String("tenant", "", "the organiser (tenant id)")
	student := fs.String("student", "", "the student's id")
	format := fs.String("format", "json", "json or html")
	out := fs.String("out", "", "file to write (default standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tenant == "" || *student == "" {
		return fmt.Errorf("export: --tenant and --student are required")
	}
	if *format != "json" && *format != "html" {
		return fmt.Errorf("export: format must be json or html, not %q", *format)
	}
	store, codec, closeAll, err := tf.open()
	if err != nil {
		return err
	}
	defer closeAll()
	x, err := buildExport(ctx, store, codec, *tenant, *student, time.Now(), filepath.Join(tf.dataDir, AccessLogFile))
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := x.write(w, *format); err != nil {
		return err
	}
	tf.logger(stderr).Info("export: written", "events", len(x.Events), "documents", len(x.Views), "access_log", len(x.AccessLog))
	return nil
}
