package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// The read access log is a record of who read a child's documents: a
// backup keeps it, and a restore brings it back beside the events.
func TestBackupKeepsTheAccessLog(t *testing.T) {
	dir, _ := sampleDir(t)
	ctx := context.Background()
	logStore, err := sqlite.Open(filepath.Join(dir, AccessLogFile))
	if err != nil {
		t.Fatal(err)
	}
	_, err = logStore.Append(ctx, "access-kommun-s1", eventstore.Any(), eventstore.EventData{
		ID: eventstore.NewEventID(), Type: "access.read", SchemaVersion: 1, Data: []byte(`{"n":1}`),
		Metadata: eventstore.Metadata{Tenant: "kommun"}})
	logStore.Close()
	if err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "iup.backup")
	if err := backupCommand(ctx, []string{"--data-dir", dir, "--out", file}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	restored := t.TempDir()
	if err := restoreCommand(ctx, []string{"--data-dir", restored, "--from", file}, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	back, err := sqlite.Open(filepath.Join(restored, AccessLogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	evs, err := back.ReadAll(ctx, eventstore.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Stream != "access-kommun-s1" || string(evs[0].Data) != `{"n":1}` {
		t.Fatalf("restored access log = %+v, want the one entry", evs)
	}
}
