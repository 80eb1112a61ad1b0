package export

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
)

type fakeLog []eventstore.RecordedEvent

func (f fakeLog) ReadAll(_ context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	for _, r := range f {
		if after.Before(r.Position) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

type fakeViews map[string]map[string]string

func (f fakeViews) Scan(_ context.Context, view, _ string, fn func(string, []byte) error) error {
	for k, v := range f[view] {
		if err := fn(k, []byte(v)); err != nil {
			return err
		}
	}
	return nil
}

func rec(t *testing.T, n uint64, tenant, actor string, ev domain.Event) eventstore.RecordedEvent {
	t.Helper()
	data, v, err := catalog.Events.Encode(ev)
	if err != nil {
		t.Fatal(err)
	}
	return eventstore.RecordedEvent{EventData: eventstore.EventData{Type: ev.EventType(), SchemaVersion: v, Data: data,
		Metadata: eventstore.Metadata{Tenant: tenant, ActorID: actor}}, Stream: "s", Revision: n, Position: eventstore.Position{Commit: n + 1}}
}

func TestExportKeepsToTheStudentAndTheOrganiser(t *testing.T) {
	log := fakeLog{
		rec(t, 0, "t1", "adm", roster.StudentRenamed{StudentID: "st1", DisplayName: "Zelda"}),
		rec(t, 1, "t1", "adm", roster.StudentRenamed{StudentID: "st10", DisplayName: "Other child"}),
		rec(t, 2, "t2", "adm", roster.StudentRenamed{StudentID: "st1", DisplayName: "Other organiser's child"}),
		rec(t, 3, "t1", "st1", roster.StaffRenamed{StaffID: "x", DisplayName: "made by the student"}),
	}
	views := fakeViews{"v": {
		"v/t1/st1":  `{"student_id":"st1","name":"Zelda"}`,
		"v/t1/st10": `{"student_id":"st10"}`,
		"v/t2/st1":  `{"student_id":"st1","name":"Other organiser's child"}`,
	}}
	x := New("t1", "st1", time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC))
	if err := x.CollectEvents(context.Background(), log, eventstore.PlainCodec{Registry: catalog.Events}); err != nil {
		t.Fatal(err)
	}
	if err := x.CollectDocs(context.Background(), views, []string{"v"}); err != nil {
		t.Fatal(err)
	}
	if len(x.Events) != 2 || x.Events[0].Revision != 0 || x.Events[1].ActorID != "st1" {
		t.Fatalf("events = %+v", x.Events)
	}
	if len(x.Views) != 1 || x.Views[0].Key != "v/t1/st1" {
		t.Fatalf("docs = %+v", x.Views)
	}
	var js bytes.Buffer
	if err := x.Write(&js, "json"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String(), "Other") {
		t.Fatalf("the export holds another student's or organiser's data: %s", js.String())
	}
	var back Record
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.AccessLog == nil {
		t.Fatalf("JSON does not read back with an access log list: %v", err)
	}
	x.AccessLog = append(x.AccessLog, Access{At: x.GeneratedAt, ActorID: "adm", Role: "admin", What: "export", Object: "st1"})
	var page bytes.Buffer
	if err := x.Write(&page, "html"); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	for _, want := range []string{"<!DOCTYPE html>", "Zelda", "roster.student-renamed", "admin adm", "export st1"} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://", "<link", "src="} {
		if strings.Contains(h, bad) {
			t.Errorf("the HTML must be self-contained, has %q", bad)
		}
	}
	if err := x.Write(&page, "pdf"); err == nil {
		t.Error("an unknown format is accepted")
	}
}

func TestMentionsWholeValuesOnly(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"a":"st1"}`: true, `{"a":["x","st1"]}`: true, `{"a":{"b":"st1"}}`: true,
		`{"a":"st10"}`: false, `{"st1":"x"}`: false, `not json st1`: false,
	} {
		if got := Mentions([]byte(raw), "st1"); got != want {
			t.Errorf("Mentions(%s) = %v, want %v", raw, got, want)
		}
	}
}
