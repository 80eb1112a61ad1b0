package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/iup-platform/iup/eventstore"
)

var _ eventstore.DigestRecorder = (*Store)(nil)

// RecordedDigest returns the chained digest the writer recorded at the event
// at position at, for the verifier to compare its recomputation with.
func (s *Store) RecordedDigest(ctx context.Context, at eventstore.Position) (string, error) {
	var chain string
	err := s.read.digestAt.QueryRowContext(ctx, int64(at.Commit)).Scan(&chain)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlite event store: no event at position %s", at)
	}
	if err != nil {
		return "", readErr(ctx, err)
	}
	return chain, nil
}
