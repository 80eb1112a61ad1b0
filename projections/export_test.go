package projections

// UseJSON swaps the views' JSON for a test and returns the undo.
func UseJSON(enc func(any) ([]byte, error), dec func([]byte, any) error) (restore func()) {
	e, d := encode, decode
	encode, decode = enc, dec
	return func() { encode, decode = e, d }
}
