package loadgen

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Operations of the workload. A write is one HTTP request that changes
// state; a read is one GET of a view.
const (
	opBulkLevel   = "teacher.bulk-level"   // POST levels:bulk, one level for a whole class
	opComment     = "teacher.comment"      // PUT an entry's level and comment
	opSelfAssess  = "student.self-assess"  // PUT the student's own level and comment
	opPlanField   = "mentor.plan-field"    // PUT a plan field
	opGoal        = "mentor.goal"          // POST a goal to a plan
	opSchedule    = "mentor.schedule-talk" // POST a development talk
	opHold        = "mentor.hold-talk"     // POST held, freezing the record
	opAcknowledge = "guardian.acknowledge" // POST a guardian's acknowledgement of a held talk

	opOverview      = "mentor.overview"     // GET the mentor overview of the term
	opMentorSnap    = "mentor.snapshot"     // GET a mentee's term snapshot
	opCourseView    = "teacher.course-view" // GET the course view of the term
	opChildren      = "guardian.children"   // GET a guardian's home: their children
	opGuardianSnap  = "guardian.snapshot"   // GET a child's term snapshot as its guardian
	opStudentHome   = "student.home"        // GET the student's own home
	opProbeSnapshot = "probe.snapshot"      // staleness probes (mentor snapshot with the token)
)

var writeOps = []string{opBulkLevel, opComment, opSelfAssess, opPlanField, opGoal, opSchedule, opHold, opAcknowledge}
var readOps = []string{opOverview, opMentorSnap, opCourseView, opChildren, opGuardianSnap, opStudentHome}

func opKinds() map[string]string {
	m := map[string]string{opProbeSnapshot: "probe"}
	for _, o := range writeOps {
		m[o] = "write"
	}
	for _, o := range readOps {
		m[o] = "read"
	}
	return m
}

// MixWeights is the relative weight of each operation within its kind.
type MixWeights map[string]float64

// DefaultMix is the week when every teacher writes omdömen: mostly
// comments and levels, plans and talks by mentors, homes reading.
func DefaultMix() MixWeights {
	return MixWeights{
		opBulkLevel: 8, opComment: 40, opSelfAssess: 15, opPlanField: 17, opGoal: 5,
		opSchedule: 5, opHold: 5, opAcknowledge: 5,
		opOverview: 20, opMentorSnap: 10, opCourseView: 20, opChildren: 25, opGuardianSnap: 15, opStudentHome: 10,
	}
}

// ParseMix reads "name=weight,name=weight" over the default mix.
func ParseMix(s string) (MixWeights, error) {
	m := DefaultMix()
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("mix: %q is not name=weight", part)
		}
		if _, known := opKinds()[name]; !known || name == opProbeSnapshot {
			return nil, fmt.Errorf("mix: unknown operation %q (one of %s)", name, strings.Join(append(append([]string{}, writeOps...), readOps...), ", "))
		}
		v, err := strconv.ParseFloat(w, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("mix: weight of %s must be a number >= 0", name)
		}
		m[name] = v
	}
	return m, m.validate()
}

func (m MixWeights) validate() error {
	for _, kind := range []string{"write", "read"} {
		if m.ops(kind).total <= 0 {
			return fmt.Errorf("mix: every %s weight is 0", kind)
		}
	}
	return nil
}

// weighted picks operations of one kind by weight.
type weighted struct {
	names []string
	cum   []float64
	total float64
}

func (m MixWeights) ops(kind string) weighted {
	names := writeOps
	if kind == "read" {
		names = readOps
	}
	var w weighted
	sorted := append([]string{}, names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		if m[n] > 0 {
			w.total += m[n]
			w.names = append(w.names, n)
			w.cum = append(w.cum, w.total)
		}
	}
	return w
}

func (w weighted) pick(rng *rand.Rand) string {
	x := rng.Float64() * w.total
	i := sort.SearchFloat64s(w.cum, x)
	if i >= len(w.names) {
		i = len(w.names) - 1
	}
	return w.names[i]
}
