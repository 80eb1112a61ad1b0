package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// request is one scheduled operation, built before it is sent.
type request struct {
	op           string
	method, path string
	sub, role    string
	body         any
	token        string       // consistency token sent with a read
	onOK         func(answer) // updates the workload's state after a 2xx
	probe        *probe       // set on writes whose staleness may be measured
	touches      func() []*Student
}

// probe is how to see one write: the mentor's term snapshot of the student
// shows the unique text once the views have it.
type probe struct {
	student *Student
	target  string // what the write changed (a later write to it supersedes the probe)
	source  string // the record's path, folded from the event store
	seq     int64
	text    string
}

// build turns an operation name into a request on a random target.
func (g *generator) build(op string, rng *rand.Rand) request {
	o, cal := g.org, g.org.Calendar
	student := o.Students[rng.IntN(len(o.Students))]
	class := student.Class
	course := class.Courses[rng.IntN(len(class.Courses))]
	term := class.School.Term(cal)
	level := strconv.Itoa(1 + rng.IntN(3))
	switch op {
	case opBulkLevel:
		return request{op: op, method: http.MethodPost, path: "/v1/assessments/" + course.RoundID + "/levels:bulk",
			sub: course.Teacher.ID, role: roleTeacher, body: map[string]any{"level": level, "student_ids": studentIDs(class)},
			touches: func() []*Student { return class.Students }}
	case opComment:
		seq, text := g.text("Visar god förståelse i %s och kan utveckla sina resonemang", course.Subject)
		return request{op: op, method: http.MethodPut, path: "/v1/assessments/" + course.RoundID + "/entries/" + student.ID,
			sub: course.Teacher.ID, role: roleTeacher, body: map[string]any{"level": level, "comment": text},
			probe: g.probeOf(student, "entry/"+course.RoundID+"/"+student.ID, "/v1/assessments/"+course.RoundID+"/entries/"+student.ID, seq, text), touches: one(student)}
	case opSelfAssess:
		seq, text := g.text("Jag tycker att %s går bättre nu", course.Subject)
		return request{op: op, method: http.MethodPut, path: "/v1/assessments/" + course.RoundID + "/entries/" + student.ID + "/self-assessment",
			sub: student.ID, role: roleStudent, body: map[string]any{"level": level, "comment": text},
			probe: g.probeOf(student, "self/"+course.RoundID+"/"+student.ID, "/v1/assessments/"+course.RoundID+"/entries/"+student.ID, seq, text), touches: one(student)}
	case opPlanField:
		seq, text := g.text("Skolan ger extra lästräning tre gånger i veckan")
		return request{op: op, method: http.MethodPut, path: "/v1/plans/" + student.PlanID(cal) + "/fields/school_does",
			sub: class.Mentor, role: roleMentor, body: map[string]any{"text": text},
			probe: g.probeOf(student, "plan/"+student.ID, "/v1/plans/"+student.PlanID(cal), seq, text), touches: one(student)}
	case opGoal:
		_, text := g.text("Läsa en bok i månaden och berätta om den")
		return request{op: op, method: http.MethodPost, path: "/v1/plans/" + student.PlanID(cal) + "/goals",
			sub: class.Mentor, role: roleMentor, body: map[string]any{"text": text, "owner": "student",
				"follow_up": Day(cal.TermEnd())}, touches: one(student)}
	case opHold:
		if t, ok := g.popScheduled(); ok {
			return g.holdTalk(t)
		}
		return g.scheduleTalk(student, term, g.talkID(student)) // nothing booked: book one
	case opSchedule:
		return g.scheduleTalk(student, term, g.talkID(student))
	case opAcknowledge:
		if t, gd, ok := g.popHeld(); ok {
			return request{op: op, method: http.MethodPost, path: "/v1/conferences/" + t.id + "/acknowledgements",
				sub: gd.ID, role: roleGuardian, touches: one(t.student)}
		}
		return g.build(opComment, rng) // nothing held yet
	case opOverview:
		return request{op: op, method: http.MethodGet, path: "/v1/mentors/" + class.Mentor + "/terms/" + term + "/overview",
			sub: class.Mentor, role: roleMentor, token: g.tokenOf(nil, class, nil)}
	case opMentorSnap:
		return request{op: op, method: http.MethodGet, path: "/v1/students/" + student.ID + "/terms/" + term + "/snapshot",
			sub: class.Mentor, role: roleMentor, token: g.tokenOf(student, nil, nil)}
	case opCourseView:
		return request{op: op, method: http.MethodGet, path: "/v1/courses/" + course.ID + "/terms/" + term + "/view",
			sub: course.Teacher.ID, role: roleTeacher, token: g.tokenOf(nil, nil, course)}
	case opChildren:
		gd := student.Guardians[rng.IntN(len(student.Guardians))]
		return request{op: op, method: http.MethodGet, path: "/v1/guardians/" + gd.ID + "/children",
			sub: gd.ID, role: roleGuardian, token: g.tokenOf(student, nil, nil)}
	case opGuardianSnap:
		gd := student.Guardians[rng.IntN(len(student.Guardians))]
		return request{op: op, method: http.MethodGet, path: "/v1/students/" + student.ID + "/terms/" + term + "/snapshot",
			sub: gd.ID, role: roleGuardian, token: g.tokenOf(student, nil, nil)}
	case opStudentHome:
		return request{op: op, method: http.MethodGet, path: "/v1/students/" + student.ID + "/home",
			sub: student.ID, role: roleStudent, token: g.tokenOf(student, nil, nil)}
	}
	panic("loadgen: no request for operation " + op)
}

func one(s *Student) func() []*Student { return func() []*Student { return []*Student{s} } }

// text makes a unique text (so no write is a no-op and a probe can find it).
func (g *generator) text(format string, args ...any) (int64, string) {
	seq := g.seq.Add(1)
	return seq, fmt.Sprintf(format, args...) + fmt.Sprintf(" (#%d)", seq)
}

func (g *generator) probeOf(s *Student, target, source string, seq int64, text string) *probe {
	return &probe{student: s, target: target, source: source, seq: seq, text: text}
}

// talkID names a new talk of s.
func (g *generator) talkID(s *Student) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextTalkID++
	return fmt.Sprintf("c-%s-%d", s.ID, g.nextTalkID)
}

func (g *generator) scheduleTalk(s *Student, term, id string) request {
	participants := []map[string]string{{"person_id": s.ID, "role": "student"}, {"person_id": s.Class.Mentor, "role": "mentor"}}
	for _, gd := range s.Guardians {
		participants = append(participants, map[string]string{"person_id": gd.ID, "role": "guardian"})
	}
	at := g.cfg.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
	return request{op: opSchedule, method: http.MethodPost, path: "/v1/conferences", sub: s.Class.Mentor, role: roleMentor,
		body: map[string]any{"id": id, "student_id": s.ID, "term": term, "at": at, "place": "Klassrum " + s.Class.ID,
			"participants": participants},
		onOK: func(answer) {
			g.mu.Lock()
			g.scheduled = append(g.scheduled, talk{id: id, student: s})
			g.mu.Unlock()
		}, touches: one(s)}
}

func (g *generator) holdTalk(t talk) request {
	attendees := []string{t.student.ID, t.student.Class.Mentor}
	for _, gd := range t.student.Guardians {
		attendees = append(attendees, gd.ID)
	}
	return request{op: opHold, method: http.MethodPost, path: "/v1/conferences/" + t.id + "/held", sub: t.student.Class.Mentor,
		role: roleMentor, body: map[string]any{"attendees": attendees, "notes": "Vi gick igenom omdömena och planen.",
			"agreements": []string{"Läsa 20 minuter varje dag", "Träna multiplikationstabellen"}},
		onOK: func(answer) {
			t.pending = append([]*Guardian{}, t.student.Guardians...)
			g.mu.Lock()
			g.held = append(g.held, t)
			g.mu.Unlock()
		}, touches: one(t.student)}
}

func (g *generator) popScheduled() (talk, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.scheduled) == 0 {
		return talk{}, false
	}
	t := g.scheduled[0]
	g.scheduled = g.scheduled[1:]
	return t, true
}

// popHeld takes a guardian who has yet to acknowledge a held talk.
func (g *generator) popHeld() (talk, *Guardian, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.held) > 0 {
		t := &g.held[0]
		if len(t.pending) == 0 {
			g.held = g.held[1:]
			continue
		}
		gd := t.pending[0]
		t.pending = t.pending[1:]
		return *t, gd, true
	}
	return talk{}, nil, false
}

// tokenOf is the consistency token a reader would hold: the latest write
// about the student, the class or the course it reads.
func (g *generator) tokenOf(s *Student, c *Class, k *Course) string {
	if g.cfg.NoTokens {
		return ""
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case s != nil:
		return g.byStudent[s]
	case c != nil:
		return g.byClass[c]
	default:
		return g.byCourse[k]
	}
}

func (g *generator) remember(students []*Student, tok string) {
	if tok == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range students {
		g.byStudent[s] = tok
		g.byClass[s.Class] = tok
		for _, k := range s.Class.Courses {
			g.byCourse[k] = tok
		}
	}
}

// token mints (once) the bearer token of sub in role.
func (g *generator) token(sub, role string) (string, error) {
	key := role + "/" + sub
	if t, ok := g.tokens.Load(key); ok {
		return t.(string), nil
	}
	t, err := g.cfg.Minter.Mint(sub, role)
	if err != nil {
		return "", fmt.Errorf("mint a token for %s %s: %w", role, sub, err)
	}
	g.tokens.Store(key, t)
	return t, nil
}

// execute sends one request, times it from when it was due and records
// it; after a 2xx write it updates the workload's state and may start a
// staleness probe.
func (g *generator) execute(ctx context.Context, req request, due time.Time, inflight *sync.WaitGroup) {
	bearer, err := g.token(req.sub, req.role)
	if err != nil {
		g.cfg.Logger.Error("loadgen token", "err", err)
		g.rec.record(req.op, time.Since(due), 0, false)
		return
	}
	if req.probe != nil {
		g.mu.Lock()
		g.lastWrite[req.probe.target] = req.probe.seq
		g.mu.Unlock()
	}
	a := g.client.do(ctx, req.method, req.path, bearer, req.body, consistencyHeader, req.token)
	acked := time.Now()
	g.rec.record(req.op, acked.Sub(due), a.Status, a.Header.Get(staleHeader) != "")
	if !a.ok() {
		g.rec.problem(req.op, a)
		return
	}
	if req.method == http.MethodGet {
		return
	}
	if req.onOK != nil {
		req.onOK(a)
	}
	tok := a.token()
	if req.touches != nil {
		g.remember(req.touches(), tok)
	}
	if req.probe != nil && tok != "" && g.sampled(req.probe.seq) {
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			g.watch(ctx, req.probe, tok, acked)
		}()
	}
}

// sampled picks ProbeShare of the writes, spread evenly.
func (g *generator) sampled(seq int64) bool {
	if g.cfg.ProbeShare <= 0 {
		return false
	}
	every := int64(1 / g.cfg.ProbeShare)
	return every <= 1 || seq%every == 0
}

// probeGiveUp is how long a probe waits for its write to become visible.
const probeGiveUp = 30 * time.Second

// watch reads the student's term snapshot as the mentor with the write's
// token until it shows the written text: append-to-visible staleness.
func (g *generator) watch(ctx context.Context, p *probe, tok string, acked time.Time) {
	g.rec.countProbe(&g.rec.probes)
	bearer, err := g.token(p.student.Class.Mentor, roleMentor)
	if err != nil {
		return
	}
	path := "/v1/students/" + p.student.ID + "/terms/" + p.student.Class.School.Term(g.org.Calendar) + "/snapshot"
	want, _ := json.Marshal(p.text) // the text as the JSON body spells it
	want = want[1 : len(want)-1]
	counted := false
	for {
		start := time.Now()
		a := g.client.do(ctx, http.MethodGet, path, bearer, nil, consistencyHeader, tok)
		stale := a.Header.Get(staleHeader) != ""
		g.rec.record(opProbeSnapshot, time.Since(start), a.Status, stale)
		switch {
		case a.ok() && bytes.Contains(a.Body, want):
			g.rec.recordStaleness(time.Since(acked))
			return
		case g.superseded(p):
			return // a later write replaced the text: nothing to see
		case a.ok() && stale:
			g.rec.countProbe(&g.rec.probeStale)
		case a.ok():
			// Not stale, yet without the text. Concurrent writes to one
			// record may land in another order than they were sent: ask
			// the event store whether the text is still the record's.
			src := g.client.do(ctx, http.MethodGet, p.source, bearer, nil)
			if !src.ok() {
				g.rec.problem(opProbeSnapshot, src)
				break
			}
			if !bytes.Contains(src.Body, want) {
				return // replaced in the store by a write sent earlier
			}
			if !counted {
				counted = true
				g.rec.countProbe(&g.rec.probeInvisible)
				g.cfg.Logger.Warn("loadgen: a read with a consistency token did not show the write", "target", p.target)
			}
		default:
			g.rec.problem(opProbeSnapshot, a)
		}
		if ctx.Err() != nil || time.Since(acked) > probeGiveUp {
			g.rec.countProbe(&g.rec.probeTimeouts)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (g *generator) superseded(p *probe) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastWrite[p.target] != p.seq
}
