package sqlite

// MarkUnavailable marks a failure of any SQLite file that a caller can only
// wait out (disk full, I/O error, lock held, closed) as
// eventstore.ErrUnavailable, as the event store does for its own: the key
// store beside it fills up with the same disk, and a write that cannot
// create its data key must answer 503 like one that cannot append.
func MarkUnavailable(err error) error { return mapErr(err) }
