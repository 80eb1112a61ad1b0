package home

import (
	"slices"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// The facts are helper documents under "facts/", never served. They hold
// what the content streams say as it stands now; culled events fold to
// empty text with a culled flag, so a rebuild after a cull keeps no text.

func planFactKey(t, planID string) string   { return "facts/" + t + "/plan/" + planID }
func roundFactKey(t, roundID string) string { return "facts/" + t + "/round/" + roundID }
func entryFactKey(t, round, student string) string {
	return "facts/" + t + "/entry/" + round + "/" + student
}
func confFactKey(t, confID string) string       { return "facts/" + t + "/conference/" + confID }
func studentFactKey(t, studentID string) string { return "facts/" + t + "/student/" + studentID }

// revKey is the content of a plan or entry stream at one revision that a
// later one superseded while the student had a talk of its term open, kept
// for the conference record only (see keepRevision).
func revKey(t, stream string, rev uint64) string {
	return "facts/" + t + "/rev/" + stream + "/" + uintString(rev)
}

// studentFacts indexes a student's content so a render finds it all.
type studentFacts struct {
	Plans       []string `json:"plans"`       // plan ids
	Rounds      []string `json:"rounds"`      // round ids with an entry of the student
	Conferences []string `json:"conferences"` // conference ids
	// Open lists the student's talks scheduled and neither held nor
	// cancelled, by id: only while one of a term is open can a talk yet to
	// be held pin a revision of that term's plan or entries that has since
	// been superseded (see keepRevision).
	Open []openTalk `json:"open,omitempty"`
}

// openTalk is a talk scheduled and neither held nor cancelled.
type openTalk struct {
	ConferenceID string         `json:"conference_id"`
	Term         domain.TermRef `json:"term"`
}

// talkOpen reports whether the student has a talk of term open.
func (s studentFacts) talkOpen(term domain.TermRef) bool {
	return slices.ContainsFunc(s.Open, func(o openTalk) bool { return o.Term == term })
}

// findTalk returns where the talk id is, or would be, in open.
func findTalk(open []openTalk, id string) (int, bool) {
	return slices.BinarySearchFunc(open, id, func(o openTalk, id string) int { return strings.Compare(o.ConferenceID, id) })
}

// opened returns open with the talk id of term, in a new array.
func opened(open []openTalk, id string, term domain.TermRef) []openTalk {
	i, found := findTalk(open, id)
	if found {
		return open
	}
	return slices.Insert(slices.Clip(open), i, openTalk{ConferenceID: id, Term: term})
}

// closed returns open without the talk id, in a new array when it changes.
func closed(open []openTalk, id string) []openTalk {
	i, found := findTalk(open, id)
	if !found {
		return open
	}
	return slices.Delete(slices.Clone(open), i, i+1)
}

// FieldText is the text of one plan field as it stands.
type FieldText struct {
	Text      string `json:"text"`
	Sensitive bool   `json:"sensitive,omitempty"`
	Culled    bool   `json:"culled,omitempty"`
}

// Goal is one goal of the forward-looking planning (framåtsyftande planering).
type Goal struct {
	GoalID   string       `json:"goal_id"`
	Text     string       `json:"text"`
	Owner    plan.Owner   `json:"owner"`
	FollowUp domain.Date  `json:"follow_up"`
	Outcome  plan.Outcome `json:"outcome,omitempty"`
	Comment  string       `json:"comment,omitempty"`
	Culled   bool         `json:"culled,omitempty"`
}

// Agreement is what was agreed at one conference, as documented in the plan.
type Agreement struct {
	ConferenceID string   `json:"conference_id"`
	Texts        []string `json:"texts"`
	Culled       bool     `json:"culled,omitempty"`
}

// LegacyDocument is an uploaded old plan (PDF or Word), by reference.
type LegacyDocument struct {
	DocumentID string `json:"document_id"`
	FileName   string `json:"file_name"`
	MediaType  string `json:"media_type"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	Culled     bool   `json:"culled,omitempty"`
}

// planFact is a plan as it stands.
type planFact struct {
	PlanID          string               `json:"plan_id"`
	StudentID       string               `json:"student_id"`
	Term            domain.TermRef       `json:"term"`
	Created         bool                 `json:"created"`
	TemplateID      string               `json:"template_id"`
	TemplateVersion int                  `json:"template_version"`
	Title           string               `json:"title"`
	Start           domain.Date          `json:"start"`
	End             domain.Date          `json:"end"`
	Fields          []plan.FieldDef      `json:"fields"`
	Values          map[string]FieldText `json:"values"`
	Goals           []Goal               `json:"goals"`
	Agreements      []Agreement          `json:"agreements"`
	Legacy          []LegacyDocument     `json:"legacy"`
	Published       bool                 `json:"published"`
	Archived        bool                 `json:"archived"`
	Revision        uint64               `json:"revision"`
}

// roundFact is an assessment round and the students with an entry in it.
type roundFact struct {
	RoundID        string                 `json:"round_id"`
	CourseID       string                 `json:"course_id"`
	Term           domain.TermRef         `json:"term"`
	Title          string                 `json:"title"`
	Steps          []assessment.ScaleStep `json:"steps"`
	FreeText       bool                   `json:"free_text"`
	SelfAssessment bool                   `json:"self_assessment"`
	PublishAt      *time.Time             `json:"publish_at"` // nil: not published
	Students       []string               `json:"students"`
}

// Amendment is an edit of an entry after its round's term ended: it stays
// in the round's term, with when, by whom and why.
type Amendment struct {
	Field      string      `json:"field"`
	Level      string      `json:"level,omitempty"`
	Comment    string      `json:"comment,omitempty"`
	Reason     string      `json:"reason"`
	RecordedAt time.Time   `json:"recorded_at"`
	ActorID    string      `json:"actor_id"`
	ActorRole  domain.Role `json:"actor_role"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
	Culled     bool        `json:"culled,omitempty"`
}

// entryFact is one student's entry in a round as it stands.
type entryFact struct {
	RoundID     string      `json:"round_id"`
	StudentID   string      `json:"student_id"`
	Level       string      `json:"level"`
	Comment     string      `json:"comment"`
	SelfLevel   string      `json:"self_level"`
	SelfComment string      `json:"self_comment"`
	Withdrawn   bool        `json:"withdrawn"`
	Culled      bool        `json:"culled"`
	Amendments  []Amendment `json:"amendments"`
	Revision    uint64      `json:"revision"`
}

// setField applies one field change of an entry (set in term or amended).
func (e *entryFact) setField(field, level, comment string) {
	switch field {
	case assessment.FieldLevel:
		e.Level = level
		e.Withdrawn = false
	case assessment.FieldComment:
		e.Comment = comment
		e.Withdrawn = false
	case assessment.FieldSelfLevel:
		e.SelfLevel = level
	case assessment.FieldSelfComment:
		e.SelfComment = comment
	}
}

// Acknowledgement is one guardian's confirmation of a held talk's record.
type Acknowledgement struct {
	GuardianID string    `json:"guardian_id"`
	At         time.Time `json:"at"`
}

// confFact is a conference as it stands.
type confFact struct {
	ConferenceID        string            `json:"conference_id"`
	StudentID           string            `json:"student_id"`
	Term                domain.TermRef    `json:"term"`
	At                  time.Time         `json:"at"`
	Place               string            `json:"place"`
	Participants        []ParticipantRef  `json:"participants"`
	InterpreterLanguage string            `json:"interpreter_language,omitempty"`
	Status              string            `json:"status"`
	HeldAt              *time.Time        `json:"held_at,omitempty"`
	Attendees           []string          `json:"attendees"`
	Agreements          []string          `json:"agreements"`
	Notes               string            `json:"notes"`
	ActionProgramme     *ActionProgramme  `json:"action_programme,omitempty"`
	Acknowledgements    []Acknowledgement `json:"acknowledgements"`
	Culled              bool              `json:"culled"`
	Held                *heldVersions     `json:"held_versions,omitempty"`
}

// heldVersions are the stream versions a held talk pinned.
type heldVersions struct {
	PlanStream  string                     `json:"plan_stream"`
	PlanVersion domain.Version             `json:"plan_version"`
	Entries     []conference.RecordedEntry `json:"entries"`
}

// ParticipantRef is someone invited to a talk, by id and role.
type ParticipantRef struct {
	PersonID string `json:"person_id"`
	Role     string `json:"role"`
}

// ActionProgramme is the finding of a talk that an action programme
// (åtgärdsprogram) is to be considered: a support matter.
type ActionProgramme struct {
	Note       string `json:"note,omitempty"`
	ShowToHome bool   `json:"show_to_home"`
	Culled     bool   `json:"culled,omitempty"`
}

// Conference statuses.
const (
	StatusScheduled = "scheduled"
	StatusCancelled = "cancelled"
	StatusHeld      = "held"
)

func load[T any](tx projections.Tx, key string) (T, bool, error) {
	var v T
	ok, err := projections.GetJSON(tx, key, &v)
	return v, ok, err
}

func addSorted(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(slices.Clip(ids), i, id) // a new array: ids may share it with a rolled-back version
}

func uintString(n uint64) string {
	// Zero-padded so revisions sort in key order.
	const width = 20
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// Projection serves the four home views from one fold: they read the same
// facts, so folding them once instead of once per view is most of a
// rebuild's saving. The facts keep content per stream revision, which only
// the conference record reads.
var Projection = family(Name, []string{GuardianViewName, StudentViewName, TermSnapshotName, ConferenceRecordName},
	true, []render{conferenceRecords}, children(domain.RoleGuardian, domain.RoleStudent), guardianDocs, termSnapshots)

// render marks for rendering the served documents of one view that d says
// changed.
type render func(tx projections.Tx, t string, d *dirty) error

// family builds a home projection: relations first, then the facts (per
// revision too when revisions is set), then each view's render of the
// documents the event changed. The perEvent renders run with each event's
// marks: a talk held pins the content as that event found it. The batched
// ones run once per batch (once per rebuild when renders are held) with
// the marks of all its events: worked out per event, which snapshots and
// children's documents changed was most of what the views cost beyond
// the fold. The facts they read only grow (a student's plans and rounds,
// a relation's guardians keep their ended periods), so the batch's final
// facts name every document an event's own would have.
func family(name string, views []string, revisions bool, perEvent []render, batched ...render) projections.Projection {
	return projections.Projection{
		Name: name,
		// 2: a plan's or entry's revision is kept only once superseded
		// while the student has a talk open (a start rebuilds the view).
		Version: 2,
		Views:   views,
		Handles: relations.With(handles...),
		Apply: func(tx projections.Tx, ev projections.Event) error {
			if err := relations.Apply(tx, ev); err != nil {
				return err
			}
			t := ev.Actor.Tenant
			d, err := fold(tx, t, ev, revisions)
			if err != nil {
				return err
			}
			for _, r := range perEvent {
				if err := r(tx, t, d); err != nil {
					return err
				}
			}
			if len(batched) == 0 {
				return nil
			}
			return projections.Gather(tx, projections.RenderKey(name, t), func(all *dirty) { all.merge(d) },
				func(tx projections.Tx, all *dirty) error {
					for _, r := range batched {
						if err := r(tx, t, all); err != nil {
							return err
						}
					}
					return nil
				})
		},
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
