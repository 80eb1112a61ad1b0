package audit

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/projections"
)

const tenant = "kommun"

var (
	teacher  = domain.Actor{Tenant: tenant, ID: "t1", Role: domain.RoleTeacher}
	teacher2 = domain.Actor{Tenant: tenant, ID: "t2", Role: domain.RoleTeacher}
	mentor   = domain.Actor{Tenant: tenant, ID: "m1", Role: domain.RoleMentor}
	guardian = domain.Actor{Tenant: tenant, ID: "g1", Role: domain.RoleGuardian}
	admin    = domain.Actor{Tenant: tenant, ID: "adm", Role: domain.RoleAdmin}
	adminFor = domain.Actor{Tenant: tenant, ID: "adm", Role: domain.RoleAdmin, OnBehalfOf: "t1"}
	ht       = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	d        = domain.MustDate
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s+"T08:00:00Z")
	if err != nil {
		panic(err)
	}
	return t
}

// env is the entry an event yields before the rule-specific fields: the
// envelope copied as the view must copy it.
func env(ev projections.Event) Entry {
	return Entry{
		Position:   ev.Position.String(),
		RecordedAt: ev.RecordedAt.UTC().Format(time.RFC3339),
		Type:       ev.Event.EventType(),
		Stream:     ev.Stream,
		Revision:   ev.Revision,
		ActorID:    ev.Actor.ID,
		Role:       ev.Actor.Role,
		OnBehalfOf: ev.Actor.OnBehalfOf,
	}
}

// ref is a value written by event ev.
func ref(ev projections.Event, v Value) *Value {
	v.Stream, v.Revision = ev.Stream, ev.Revision
	return &v
}

// wantView fails unless got holds exactly the documents of want, each
// encoding to the same JSON.
func wantView(t *testing.T, got map[string]json.RawMessage, want map[string]any) {
	t.Helper()
	for k, v := range want {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got[k]
		if !ok {
			t.Errorf("missing document %s", k)
			continue
		}
		if !jsonEqual(t, b, g) {
			t.Errorf("document %s\n got %s\nwant %s", k, g, b)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected document %s: %s", k, got[k])
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// sameView fails unless a and b hold the same documents byte for byte.
func sameView(t *testing.T, a, b map[string]json.RawMessage) {
	t.Helper()
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		if string(a[k]) != string(b[k]) {
			t.Errorf("document %s differs\n live %s\n rebuilt %s", k, a[k], b[k])
		}
	}
}

// build applies events onto docs as the runtime does, one overlay per event.
func build(t *testing.T, docs map[string][]byte, events []projections.Event) {
	t.Helper()
	for _, ev := range events {
		if !Projection.HandlesType(ev.Event.EventType()) {
			t.Fatalf("audit does not handle %s", ev.Event.EventType())
		}
		run(t, docs, func(tx projections.Tx) error { return Projection.Apply(tx, ev) })
	}
}

// run applies f through an overlay and commits its changes to docs.
func run(t *testing.T, docs map[string][]byte, f func(tx projections.Tx) error) {
	t.Helper()
	o := projections.NewOverlay(func(k string) ([]byte, error) { return docs[k], nil })
	if err := f(o); err != nil {
		t.Fatal(err)
	}
	changes, err := o.Changes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Value == nil {
			delete(docs, c.Key)
		} else {
			docs[c.Key] = c.Value
		}
	}
}

func raw(docs map[string][]byte) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(docs))
	for k, v := range docs {
		out[k] = v
	}
	return out
}

// cullLikeCodec returns events as the sealing codec decodes them after the
// student's data key is destroyed: every event of that data subject that
// carried personal content arrives culled, its personal members gone.
func cullLikeCodec(t *testing.T, events []projections.Event, student string) []projections.Event {
	t.Helper()
	out := slices.Clone(events)
	for i, ev := range out {
		ds, ok := ev.Event.(domain.DataSubject)
		if !ok || ds.DataSubject() != student {
			continue
		}
		data, version, err := domain.Events.Encode(ev.Event)
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(data, &members); err != nil {
			t.Fatal(err)
		}
		sealed := false
		for _, m := range shred.PersonalMembers(reflect.TypeOf(ev.Event)) {
			if v, ok := members[m]; ok {
				switch string(v) {
				case `""`, `null`, `[]`, `{}`:
				default:
					sealed = true
				}
				delete(members, m)
			}
		}
		if !sealed {
			continue
		}
		data, _ = json.Marshal(members)
		e, err := domain.Events.Decode(ev.Event.EventType(), version, data)
		if err != nil {
			t.Fatal(err)
		}
		out[i].Event, out[i].Culled = e, true
	}
	return out
}

// personalTexts lists every personal string the events hold about student.
func personalTexts(t *testing.T, events []projections.Event, student string) []string {
	t.Helper()
	var out []string
	for _, ev := range events {
		ds, ok := ev.Event.(domain.DataSubject)
		if !ok || ds.DataSubject() != student {
			continue
		}
		data, _, err := domain.Events.Encode(ev.Event)
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(data, &members); err != nil {
			t.Fatal(err)
		}
		for _, m := range shred.PersonalMembers(reflect.TypeOf(ev.Event)) {
			var v any
			if err := json.Unmarshal(members[m], &v); err == nil {
				out = append(out, stringsIn(v)...)
			}
		}
	}
	return out
}

func stringsIn(v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, stringsIn(e)...)
		}
		return out
	}
	return nil
}

// reader serves a view's documents to Page.
func reader(v map[string]json.RawMessage) func(...string) ([][]byte, error) {
	return func(keys ...string) ([][]byte, error) {
		out := make([][]byte, len(keys))
		for i, k := range keys {
			out[i] = v[k] // nil when missing
		}
		return out, nil
	}
}

func newOverlay(docs map[string][]byte) *projections.Overlay {
	return projections.NewOverlay(func(k string) ([]byte, error) { return docs[k], nil })
}

// registered lists every event type the domain stores.
func registered() []string { return domain.Events.Types() }
