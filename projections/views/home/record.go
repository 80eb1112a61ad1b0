package home

import (
	"fmt"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// Record is the record of a held talk: the plan and the omdömen exactly at
// the stream versions the talk pinned. Later edits never change it; only
// the acknowledgements and the protection flag follow.
type Record struct {
	ConferenceID     string            `json:"conference_id"`
	StudentID        string            `json:"student_id"`
	Term             domain.TermRef    `json:"term"`
	Protected        bool              `json:"protected"`
	HeldAt           time.Time         `json:"held_at"`
	Attendees        []string          `json:"attendees"`
	Notes            string            `json:"notes"` // internal: staff only
	Agreements       []string          `json:"agreements"`
	Culled           bool              `json:"culled"`
	ActionProgramme  *ActionProgramme  `json:"action_programme"`
	Acknowledgements []Acknowledgement `json:"acknowledgements"`
	PlanStream       string            `json:"plan_stream"`
	PlanVersion      domain.Version    `json:"plan_version"`
	Plan             *PlanContent      `json:"plan"` // nil: no plan when held
	Entries          []RecordEntry     `json:"entries"`
}

// RecordEntry is one entry at the version the talk pinned.
type RecordEntry struct {
	Stream  string         `json:"stream"`
	Version domain.Version `json:"version"`
	EntryContent
}

// conferenceRecords renders the records of held talks (ConferenceRecordKey):
// it resolves the pinned versions from the facts' content per stream
// revision when the talk is held.
func conferenceRecords(tx projections.Tx, t string, d *dirty) error {
	if d.held != "" {
		return renderRecord(tx, t, d.held)
	}
	confs := sortedKeys(d.confs)
	for _, s := range sortedKeys(d.allTerms) {
		idx, _, err := load[studentFacts](tx, studentFactKey(t, s))
		if err != nil {
			return err
		}
		confs = append(confs, idx.Conferences...)
	}
	for _, id := range confs {
		if err := refreshRecord(tx, t, id); err != nil {
			return err
		}
	}
	return nil
}

// atRevision reads the content of stream as it stood at version v: the
// facts at key when they have not moved past v, else the revision kept
// (see keepRevision). A version that is neither is an error: rendered
// from anything else, a record would show what the talk never saw.
func atRevision[T any](tx projections.Tx, t, stream, key string, v domain.Version, revision func(T) uint64) (T, bool, error) {
	var zero T
	if v < 0 {
		return zero, false, nil // nothing written when the hold read it
	}
	if key != "" {
		c, ok, err := load[T](tx, key)
		if err != nil || ok && revision(c) <= uint64(v) {
			return c, ok, err
		}
	}
	c, ok, err := load[T](tx, revKey(t, stream, uint64(v)))
	if err != nil || ok {
		return c, ok, err
	}
	return zero, false, fmt.Errorf("home: a talk pinned %s at version %d, which was neither kept nor still stands", stream, v)
}

func renderRecord(tx projections.Tx, t, confID string) error {
	c, _, err := load[confFact](tx, confFactKey(t, confID))
	if err != nil {
		return err
	}
	rel, _, err := relations.Load[relations.Student](tx, relations.StudentKey(t, c.StudentID))
	if err != nil {
		return err
	}
	rec := Record{ConferenceID: confID, StudentID: c.StudentID, Term: c.Term, Protected: rel.Protected,
		Attendees: orEmpty(c.Attendees), Notes: c.Notes, Agreements: orEmpty(c.Agreements), Culled: c.Culled,
		ActionProgramme: c.ActionProgramme, Acknowledgements: orEmpty(c.Acknowledgements), Entries: []RecordEntry{}}
	if c.HeldAt != nil {
		rec.HeldAt = *c.HeldAt
	}
	if h := c.Held; h != nil {
		rec.PlanStream, rec.PlanVersion = h.PlanStream, h.PlanVersion
		key := "" // the plan's facts, when the pinned stream is the talk's term's plan
		if h.PlanStream == plan.Stream(t, c.StudentID, c.Term) {
			key = planFactKey(t, plan.ID(c.StudentID, c.Term))
		}
		p, ok, err := atRevision(tx, t, h.PlanStream, key, h.PlanVersion, func(p planFact) uint64 { return p.Revision })
		if err != nil {
			return err
		}
		if ok {
			rec.Plan = planContent(tx, t, p)
		}
		for _, re := range h.Entries {
			key := ""
			if re.Stream == assessment.EntryStream(t, re.RoundID, c.StudentID) {
				key = entryFactKey(t, re.RoundID, c.StudentID)
			}
			en, _, err := atRevision(tx, t, re.Stream, key, re.Version, func(en entryFact) uint64 { return en.Revision })
			if err != nil {
				return err
			}
			r, _, err := load[roundFact](tx, roundFactKey(t, re.RoundID))
			if err != nil {
				return err
			}
			course, _, err := relations.Load[relations.Course](tx, relations.CourseKey(t, re.CourseID))
			if err != nil {
				return err
			}
			r.RoundID, r.CourseID = re.RoundID, re.CourseID
			rec.Entries = append(rec.Entries, RecordEntry{Stream: re.Stream, Version: re.Version, EntryContent: entryContent(r, course, en)})
		}
	}
	return projections.PutJSON(tx, ConferenceRecordKey(t, confID), rec)
}

// refreshRecord updates what may follow a held talk (action programme,
// acknowledgements, protection) and never its content.
func refreshRecord(tx projections.Tx, t, confID string) error {
	key := ConferenceRecordKey(t, confID)
	rec, ok, err := load[Record](tx, key)
	if err != nil || !ok {
		return err
	}
	c, _, err := load[confFact](tx, confFactKey(t, confID))
	if err != nil {
		return err
	}
	rel, _, err := relations.Load[relations.Student](tx, relations.StudentKey(t, c.StudentID))
	if err != nil {
		return err
	}
	rec.Protected, rec.ActionProgramme, rec.Acknowledgements = rel.Protected, c.ActionProgramme, orEmpty(c.Acknowledgements)
	return projections.PutJSON(tx, key, rec)
}
