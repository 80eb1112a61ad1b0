package shred

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
)

// planNote stands for any plan event: its type's category makes it a plan
// document for the retention schedule.
type planNote struct {
	Student string `json:"student"`
	Text    string `json:"text" personal:"true"`
}

func (planNote) EventType() string     { return "plan.test-note" }
func (e planNote) DataSubject() string { return e.Student }

// Each document type of a student has its own key, so culling the student's
// plans leaves their omdömen and name readable until their own rules are due.
func TestEachDocumentTypeHasItsOwnKey(t *testing.T) {
	s := newSetup(t)
	domain.Register[planNote](s.codec.registry, 1)

	note := planNote{Student: "stu-1", Text: "Mål: läsa varje dag"}
	planRec, _, _ := s.roundTrip(t, note)
	otherRec, _, _ := s.roundTrip(t, sample)

	if err := s.keys.DestroyAll(ctx, "t1", retention.KeySubjects("stu-1", []retention.DocType{retention.DocPlan}), "plan: 24 months after leaving", time.Now()); err != nil {
		t.Fatal(err)
	}
	back, culled, err := s.codec.Decode(ctx, planRec)
	if err != nil || !culled || back.(planNote).Text != "" {
		t.Fatalf("the plan note must decode culled: %#v culled=%v err=%v", back, culled, err)
	}
	back, culled, err = s.codec.Decode(ctx, otherRec)
	if err != nil || culled || !reflect.DeepEqual(back, sample) {
		t.Fatalf("content of another document type must stay readable: %#v culled=%v err=%v", back, culled, err)
	}
	// Sealing new plan content for the culled type is refused.
	if _, _, err := s.codec.Encode(ctx, "t1", eventstore.NewEventID(), note); err == nil {
		t.Fatal("sealing content with a destroyed key must fail")
	}
}

// After a destruction the wrapped key is nowhere in the key store's files:
// secure_delete overwrote its page and the WAL was checkpointed and truncated.
func TestDestroyedKeyLeavesNoBytes(t *testing.T) {
	s := newSetup(t)
	s.roundTrip(t, sample)
	wrapped, err := s.store.Load(ctx, "t1", "stu-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.keys.Destroy(ctx, "t1", "stu-1", "erasure", time.Now()); err != nil {
		t.Fatal(err)
	}
	var secure int
	if err := s.store.db.QueryRow(`PRAGMA secure_delete`).Scan(&secure); err != nil || secure != 1 {
		t.Fatalf("secure_delete = %d (%v), want 1", secure, err)
	}
	if st, err := os.Stat(filepath.Join(s.dir, "keys.db-wal")); err == nil && st.Size() != 0 {
		t.Errorf("the key store's WAL is %d bytes after a destruction, want truncated", st.Size())
	}
	for _, name := range []string{"keys.db", "keys.db-wal", "keys.db-shm"} {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			continue
		}
		if bytes.Contains(b, wrapped) {
			t.Errorf("%s still holds the wrapped key", name)
		}
	}
}
