package assessment

import (
	"context"

	"github.com/iup-platform/iup/domain"
)

// LoadRound folds a round's stream, for handlers and other aggregates.
func LoadRound(ctx context.Context, log domain.EventLog, tenant, roundID string) (RoundState, domain.Version, error) {
	return domain.Load(ctx, log, RoundDecider, RoundStream(tenant, roundID))
}

// LoadEntry folds a student's entry in a round.
func LoadEntry(ctx context.Context, log domain.EventLog, tenant, roundID, studentID string) (EntryState, domain.Version, error) {
	return domain.Load(ctx, log, EntryDecider, EntryStream(tenant, roundID, studentID))
}

// LoadEntryAt folds an entry up to and including version at, so an entry
// can be shown as it stood when a conference recorded that version.
// domain.NoStream gives the empty entry.
func LoadEntryAt(ctx context.Context, log domain.EventLog, tenant, roundID, studentID string, at domain.Version) (EntryState, error) {
	loaded, err := log.Load(ctx, EntryStream(tenant, roundID, studentID))
	if err != nil {
		return EntryState{}, err
	}
	s := EntryDecider.Initial()
	for _, env := range loaded.Events {
		if domain.Version(env.Revision) > at {
			break
		}
		s = EntryDecider.Evolve(s, env.Event)
	}
	return s, nil
}
