// Package export gathers everything stored about one student (right of
// access, GDPR art. 15; issue 8 point 5): the events that name them,
// decoded, with culled content marked; the views' documents that name them;
// and who read their records. `iupd export` and the API's
// GET /v1/students/{id}/export both build it here, so they answer the same.
package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// Record is the export of one student.
type Record struct {
	Tenant      string    `json:"tenant"`
	Student     string    `json:"student"`
	GeneratedAt time.Time `json:"generated_at"`
	Events      []Event   `json:"events"`
	Views       []Doc     `json:"views"`
	AccessLog   []Access  `json:"access_log"`
}

// Event is one stored event that names the student (or was made by them).
type Event struct {
	Position   string          `json:"position"`
	Stream     string          `json:"stream"`
	Revision   uint64          `json:"revision"`
	Type       string          `json:"type"`
	RecordedAt time.Time       `json:"recorded_at"`
	ActorID    string          `json:"actor_id,omitempty"`
	ActorRole  string          `json:"actor_role,omitempty"`
	OnBehalfOf string          `json:"on_behalf_of,omitempty"`
	Culled     bool            `json:"culled"`
	Data       json.RawMessage `json:"data"`
}

// Doc is one view document that names the student.
type Doc struct {
	View     string          `json:"view"`
	Key      string          `json:"key"`
	Document json.RawMessage `json:"document"`
}

// Access is one read of the student's records from the read access log.
type Access struct {
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	Role       string    `json:"role"`
	What       string    `json:"what"`
	Object     string    `json:"object"`
	RequestID  string    `json:"request_id,omitempty"`
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
}

// LogReader reads the global log in order (eventstore.Store does).
type LogReader interface {
	ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error)
}

// Decoder opens a stored event (eventstore.Codec does); culled is true when
// its personal content can no longer be read.
type Decoder interface {
	Decode(ctx context.Context, rec eventstore.RecordedEvent) (ev domain.Event, culled bool, err error)
}

// ViewScanner reads every document of one view.
type ViewScanner interface {
	Scan(ctx context.Context, view, prefix string, fn func(key string, value []byte) error) error
}

// New returns an empty export, ready to be filled.
func New(tenant, student string, now time.Time) *Record {
	return &Record{Tenant: tenant, Student: student, GeneratedAt: now.UTC(), Events: []Event{}, Views: []Doc{}, AccessLog: []Access{}}
}

// Mentions reports whether JSON value raw holds id as a whole string value
// anywhere (a member, an array element), which is how every event and
// document refers to a person.
func Mentions(raw []byte, id string) bool {
	if !bytes.Contains(raw, []byte(id)) {
		return false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			return x == id
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// readPage is how many events one read of the global log takes.
const readPage = 1000

// CollectEvents decodes every event of the tenant that names the student or
// was made by them, in log order, into x.
func (x *Record) CollectEvents(ctx context.Context, log LogReader, dec Decoder) error {
	after := eventstore.Start
	for {
		page, err := log.ReadAll(ctx, after, readPage)
		if err != nil {
			return fmt.Errorf("export: read the log: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, rec := range page {
			// The read access log ("access." types) comes from its own sink.
			if strings.HasPrefix(rec.Type, "access.") || rec.Metadata.Tenant != x.Tenant ||
				!(Mentions(rec.Data, x.Student) || rec.Metadata.ActorID == x.Student) {
				continue
			}
			ev, culled, err := dec.Decode(ctx, rec)
			if err != nil {
				return fmt.Errorf("export: decode %s revision %d: %w", rec.Stream, rec.Revision, err)
			}
			data, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("export: encode %s revision %d: %w", rec.Stream, rec.Revision, err)
			}
			x.Events = append(x.Events, Event{Position: rec.Position.String(), Stream: rec.Stream, Revision: rec.Revision,
				Type: rec.Type, RecordedAt: rec.Metadata.RecordedAt, ActorID: rec.Metadata.ActorID,
				ActorRole: rec.Metadata.ActorRole, OnBehalfOf: rec.Metadata.OnBehalfOf, Culled: culled, Data: data})
		}
		after = page[len(page)-1].Position
	}
}

// CollectDocs adds every document of the named views that belongs to the
// tenant and names the student. Every view key is "view/tenant/...", so a
// student of another organiser with the same id is never included.
func (x *Record) CollectDocs(ctx context.Context, views ViewScanner, names []string) error {
	for _, name := range names {
		// Served keys start with their view's name.
		err := views.Scan(ctx, name, name+"/", func(key string, value []byte) error {
			if !ofTenant(key, x.Tenant) {
				return nil
			}
			if Mentions(value, x.Student) || slices.Contains(strings.Split(key, "/"), x.Student) {
				x.Views = append(x.Views, Doc{View: name, Key: key, Document: bytes.Clone(value)})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("export: view %s: %w", name, err)
		}
	}
	return nil
}

func ofTenant(key, tenant string) bool {
	parts := strings.SplitN(key, "/", 3)
	return len(parts) >= 2 && parts[1] == tenant
}

// Write renders the export as JSON ("json") or as a readable,
// self-contained HTML document ("html").
func (x *Record) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	case "html":
		return page.Execute(w, x)
	}
	return fmt.Errorf("export: format must be json or html, not %q", format)
}
