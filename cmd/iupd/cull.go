package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/shred"
)

// systemActor is the service acting on its own (the daily culling job).
func systemActor(tenant string) domain.Actor {
	return domain.Actor{Tenant: tenant, ID: "iupd", Role: domain.RoleSystem}
}

// culler applies the organiser's retention schedule: for every student who
// has left, it destroys the keys of what is due and records the culling.
type culler struct {
	store  eventstore.Store
	log    *eventstore.DomainLog
	keys   *shred.Keyring
	loc    *time.Location
	logger *slog.Logger
	// scavenge: the keys live in KurrentDB, whose files keep a destroyed
	// key's bytes until a scavenge runs.
	scavenge bool
}

func newCuller(store eventstore.Store, codec *shred.Codec, logger *slog.Logger) (*culler, error) {
	loc, err := time.LoadLocation(domain.DefaultTimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone: %w", err)
	}
	_, onKurrent := store.(*kurrent.Store)
	return &culler{store: store, log: eventstore.NewDomainLog(store, codec), keys: codec.Keyring(), loc: loc, logger: logger,
		scavenge: onKurrent}, nil
}

type studentRef struct{ tenant, student string }

// leavers lists every student who has a leaving event in the log. It reads
// only the non-personal student_id, so it decrypts nothing.
func (c *culler) leavers(ctx context.Context) ([]studentRef, error) {
	seen := map[studentRef]bool{}
	var out []studentRef
	err := scanLog(ctx, c.store, func(rec eventstore.RecordedEvent) error {
		if rec.Type != "roster.student-left" {
			return nil
		}
		var e struct {
			StudentID string `json:"student_id"`
		}
		if err := json.Unmarshal(rec.Data, &e); err != nil {
			return fmt.Errorf("event %s: %w", rec.ID, err)
		}
		ref := studentRef{rec.Metadata.Tenant, e.StudentID}
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		return out[i].tenant < out[j].tenant || out[i].tenant == out[j].tenant && out[i].student < out[j].student
	})
	return out, err
}

// scanLog calls fn for every stored event in order.
func scanLog(ctx context.Context, store eventstore.Store, fn func(eventstore.RecordedEvent) error) error {
	after := eventstore.Start
	for {
		page, err := store.ReadAll(ctx, after, 1000)
		if err != nil {
			return fmt.Errorf("read log: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
		}
		after = page[len(page)-1].Position
	}
}

// run culls what is due on now's date; it returns how many students had
// something culled. One student's failure does not stop the others.
func (c *culler) run(ctx context.Context, now time.Time) (int, error) {
	students, err := c.leavers(ctx)
	if err != nil {
		return 0, err
	}
	today := domain.DateOf(now, c.loc)
	c.logger.Info("culling: start", "day", today.String(), "students_left", len(students))
	culled := 0
	var errs []error
	for _, s := range students {
		cmd := retention.Cull{Meta: domain.Meta{Actor: systemActor(s.tenant), Now: now.UTC()}, StudentID: s.student,
			Facts: retention.CullFacts{Today: today}}
		res, err := retention.Handle(ctx, c.log, c.keys, cmd)
		if err != nil {
			// No ids in the log line: the retention stream says who.
			c.logger.Error("culling: a student failed", "tenant", s.tenant, "err", err)
			errs = append(errs, err)
			continue
		}
		for _, ev := range res.Events {
			if e, ok := ev.(retention.StudentCulled); ok {
				culled++
				c.logger.Info("culling: culled", "tenant", s.tenant, "doc_types", e.DocTypes, "position", res.Position)
			}
		}
	}
	c.logger.Info("culling: done", "day", today.String(), "students_culled", culled, "failures", len(errs))
	if culled > 0 && c.scavenge {
		// The v4.2.0 client has no operations API to start one from here.
		c.logger.Warn("culling: the destroyed keys are unreadable now, but their bytes stay in KurrentDB's chunk files " +
			"until a scavenge runs: start one (UI, Admin > Scavenge, or POST /admin/scavenge on each node)")
	}
	return culled, errors.Join(errs...)
}

// runDaily culls at once and then once a day until ctx ends; clock is
// injectable for tests.
func (c *culler) runDaily(ctx context.Context, clock func() time.Time, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := c.run(ctx, clock()); err != nil && ctx.Err() == nil {
			c.logger.Error("culling: run failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// openSealing opens the master key, the key store and the sealing codec.
func openSealing(dataDir, masterKeyFile string) (*shred.Codec, *shred.SQLiteKeyStore, error) {
	if masterKeyFile == "" {
		masterKeyFile = filepath.Join(dataDir, "master.key")
	}
	mk, err := shred.OpenFileMasterKey(masterKeyFile)
	if err != nil {
		return nil, nil, err
	}
	ks, err := shred.OpenSQLiteKeyStore(filepath.Join(dataDir, "keys.db"))
	if err != nil {
		return nil, nil, err
	}
	// Every key destroyed through this keyring is listed for restores.
	return shred.NewCodec(catalog.Events, shred.NewKeyring(mk, withCullRegister(ks, masterKeyFile))), ks, nil
}

// toolFlags are the flags of the privacy tools (cull, erase, export).
type toolFlags struct {
	storeFlags
	masterKeyFile, logFormat string
}

func (f *toolFlags) register(fs *flag.FlagSet) {
	f.storeFlags.register(fs)
	fs.StringVar(&f.masterKeyFile, "master-key-file", envOr("master-key-file", ""), "master key file, default DATA_DIR/master.key ("+envName("master-key-file")+")")
	fs.StringVar(&f.logFormat, "log-format", envOr("log-format", "text"), "progress log format: text or json")
}

// open opens the event store and the sealing codec; close releases both.
func (f *toolFlags) open() (eventstore.Store, *shred.Codec, func(), error) {
	store, err := f.storeFlags.open()
	if err != nil {
		return nil, nil, nil, err
	}
	codec, ks, err := openSealing(f.dataDir, f.masterKeyFile)
	if err != nil {
		store.Close()
		return nil, nil, nil, fmt.Errorf("open keys: %w", err)
	}
	return store, codec, func() { ks.Close(); store.Close() }, nil
}

func (f *toolFlags) logger(w io.Writer) *slog.Logger {
	if f.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// cullCommand runs the retention schedule once, as of today (the service
// also runs it daily).
func cullCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("cull", flag.ContinueOnError)
	var tf toolFlags
	tf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, codec, closeAll, err := tf.open()
	if err != nil {
		return err
	}
	defer closeAll()
	c, err := newCuller(store, codec, tf.logger(stderr))
	if err != nil {
		return err
	}
	_, err = c.run(ctx, time.Now())
	return err
}
