package home

import (
	"bytes"
	"strings"
	"testing"

	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/sample"
)

// TestSampleOrganiser replays a generated organiser, whose plans carry no
// copy of their template fields, through every home view.
func TestSampleOrganiser(t *testing.T) {
	events := projectiontest.Sample(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 2, Seed: 3})
	staffOnly := []byte("Känslig anteckning")
	t.Run("the home never sees a staff-only field of a template version", func(t *testing.T) {
		for _, p := range views[:2] {
			docs := served(projectiontest.View(t, p, events))
			children := 0
			for k, b := range docs {
				if bytes.Contains(b, staffOnly) {
					t.Errorf("%s carries a staff-only field", k)
				}
				if !strings.Contains(k, "/guardian/") {
					children++
					if !bytes.Contains(b, []byte("Skolan ger extra lästräning")) {
						t.Errorf("%s lacks the visible field", k)
					}
				}
			}
			if children != 18 {
				t.Errorf("%s: %d child documents, want 18", p.Name, children)
			}
		}
	})
	t.Run("every held talk has a record holding the pinned plan", func(t *testing.T) {
		docs := served(projectiontest.View(t, ConferenceRecord, events))
		if len(docs) != 36 {
			t.Errorf("%d records, want 36 (two talks for each of 18 students)", len(docs))
		}
		for k, b := range docs {
			var r Record
			projectiontest.Doc(t, docs, k, &r)
			if r.Plan == nil || r.Plan.Revision != 4 || len(r.Entries) == 0 || !bytes.Contains(b, staffOnly) {
				t.Errorf("%s: plan %+v, %d entries", k, r.Plan, len(r.Entries))
			}
		}
	})
}
