package assessment

import (
	"context"

	"github.com/iup-platform/iup/domain"
)

// Retries on a concurrency conflict. Round and entry commands set absolute
// values (a level, a comment, published or not), so re-deciding on the
// fresh state is safe; a conditional write (If-Match) never retries.
const (
	commandRetries = 2
	indexRetries   = 5 // rounds of one term write the same student index
)

// HandleRound runs a round command: loads the course, term and scale facts,
// decides and appends to the round stream. ifMatch, when set, is the round
// version the client last saw.
func HandleRound(ctx context.Context, log domain.EventLog, cmd RoundCommand, ifMatch *domain.Version) (domain.Result, error) {
	stream := RoundStream(cmd.CommandMeta().Actor.Tenant, cmd.roundID())
	return domain.Handle(ctx, log, RoundDecider, stream, cmd, domain.HandleOptions[RoundCommand]{
		IfMatch: ifMatch,
		Retries: commandRetries,
		Prepare: func(ctx context.Context, c RoundCommand) (RoundCommand, error) { return prepareRound(ctx, log, c) },
	})
}

// HandleEntry runs an entry command: loads the round and the course and term
// facts, records the entry in the student's term index before its first
// write, then decides and appends to the entry stream.
func HandleEntry(ctx context.Context, log domain.EventLog, cmd EntryCommand, ifMatch *domain.Version) (domain.Result, error) {
	roundID, _ := cmd.target()
	ec, err := loadEntryContext(ctx, log, cmd.CommandMeta(), roundID)
	if err != nil {
		return domain.Result{}, err
	}
	return handleEntry(ctx, log, cmd, ec, ifMatch)
}

// handleEntry decides on the facts in ec first and reloads them on a retry.
func handleEntry(ctx context.Context, log domain.EventLog, cmd EntryCommand, ec entryContext, ifMatch *domain.Version) (domain.Result, error) {
	roundID, studentID := cmd.target()
	m := cmd.CommandMeta()
	stream := EntryStream(m.Actor.Tenant, roundID, studentID)
	first := cmd.withFacts(ec.forStudent(studentID))

	// Index first, so an existing entry is always in the index. A refused or
	// empty first write leaves no index record: decide it on the empty
	// entry before indexing.
	_, version, err := domain.Load(ctx, log, EntryDecider, stream)
	if err != nil {
		return domain.Result{}, err
	}
	if version == domain.NoStream && (ifMatch == nil || *ifMatch == domain.NoStream) {
		events, err := EntryDecider.Decide(EntryDecider.Initial(), first)
		if err != nil || len(events) == 0 {
			return domain.Result{Version: domain.NoStream}, err
		}
		idx := IndexEntry{Meta: m, StudentID: studentID, Term: ec.round.Term, RoundID: roundID, CourseID: ec.round.CourseID}
		if _, err := domain.Handle(ctx, log, StudentTermDecider, StudentTermStream(m.Actor.Tenant, studentID, ec.round.Term), idx,
			domain.HandleOptions[IndexEntry]{Retries: indexRetries}); err != nil {
			return domain.Result{}, err
		}
	}

	attempt := 0
	return domain.Handle(ctx, log, EntryDecider, stream, first, domain.HandleOptions[EntryCommand]{
		IfMatch: ifMatch,
		Retries: commandRetries,
		Prepare: func(ctx context.Context, c EntryCommand) (EntryCommand, error) {
			if attempt++; attempt == 1 {
				return c, nil // facts loaded just above
			}
			fresh, err := loadEntryContext(ctx, log, m, roundID)
			if err != nil {
				return c, err
			}
			return c.withFacts(fresh.forStudent(studentID)), nil
		},
	})
}
