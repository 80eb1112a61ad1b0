package kurrenttest

import (
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// Read serves stream reads, $all reads and $all subscriptions (Streams.Read.cs).
func (st *streams) Read(req *api.ReadReq, srv api.Streams_ReadServer) error {
	o := req.GetOptions()
	structured := o.GetUuidOption().GetStructured() != nil
	flt, err := newFilter(o.GetFilter())
	if err != nil {
		return err
	}
	switch {
	case o.GetSubscription() != nil && o.GetAll() != nil:
		return st.subscribeAll(o, flt, structured, srv)
	case o.GetSubscription() != nil:
		return status.Error(codes.Unimplemented, "kurrenttest: stream subscriptions are not implemented")
	case o.GetStream() != nil:
		return st.readStream(o, structured, srv)
	default:
		return st.readAll(o, flt, structured, srv)
	}
}

func (st *streams) readStream(o *api.ReadReq_Options, structured bool, srv api.Streams_ReadServer) error {
	so := o.GetStream()
	name := string(so.GetStreamIdentifier().GetStreamName())
	log, _ := st.s.db.snapshot()
	st.s.db.mu.Lock()
	state := st.s.db.streams[name]
	var idx []int
	tombstoned := false
	if state != nil {
		idx = state.records[:len(state.records):len(state.records)]
		tombstoned = state.tombstoned
	}
	st.s.db.mu.Unlock()
	if tombstoned {
		return streamDeletedErr(srv.SetTrailer, name)
	}
	// A stream that was never written answers with a StreamNotFound message,
	// not an error (Streams.Read.cs, ReadStreamEventsForward/Backward).
	if len(idx) == 0 {
		return srv.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}}}})
	}
	count := o.GetCount()
	last := int64(len(idx) - 1)
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	var from int64
	switch r := so.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = int64(min(r.Revision, uint64(1<<62)))
	case *api.ReadReq_Options_StreamOptions_End:
		from = last
		if !backwards {
			from = last + 1 // forwards from the end: nothing yet
		}
	}
	if backwards && from > last {
		from = last
	}
	for n := uint64(0); n < count; n++ {
		rev := from + int64(n)
		if backwards {
			rev = from - int64(n)
		}
		if rev < 0 || rev > last {
			break
		}
		if err := srv.Send(readEvent(log[idx[rev]], structured)); err != nil {
			return err
		}
	}
	return nil
}

// readAll reads $all. Forwards, a position is inclusive: the event at that
// position comes first (AllReader.cs: "for forward pass position is
// inclusive", TFPos(prepare.LogPosition, prepare.LogPosition) >= pos).
// Backwards, only events that end at or before the position come (post-
// position <= pos), so the event at the position itself does not.
func (st *streams) readAll(o *api.ReadReq_Options, flt *filter, structured bool, srv api.Streams_ReadServer) error {
	log, _ := st.s.db.snapshot()
	count := o.GetCount()
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	var sent uint64
	send := func(r record) error {
		if !flt.allows(r) {
			return nil
		}
		sent++
		return srv.Send(readEvent(r, structured))
	}
	ao := o.GetAll()
	if !backwards {
		i := 0
		switch p := ao.GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_Position:
			i = firstAtOrAfter(log, p.Position.GetCommitPosition(), p.Position.GetPreparePosition())
		case *api.ReadReq_Options_AllOptions_End:
			i = len(log)
		}
		for ; i < len(log) && sent < count; i++ {
			if err := send(log[i]); err != nil {
				return err
			}
		}
		return nil
	}
	i := len(log) - 1
	if p, ok := ao.GetAllOption().(*api.ReadReq_Options_AllOptions_Position); ok {
		for i >= 0 && log[i].pos+log[i].size > p.Position.GetCommitPosition() {
			i--
		}
	} else if _, ok := ao.GetAllOption().(*api.ReadReq_Options_AllOptions_Start); ok {
		i = -1
	}
	for ; i >= 0 && sent < count; i-- {
		if err := send(log[i]); err != nil {
			return err
		}
	}
	return nil
}

// firstAtOrAfter is the index of the first record whose position (commit,
// prepare) is at or after (commit, prepare).
func firstAtOrAfter(log []record, commit, prepare uint64) int {
	for i, r := range log {
		if r.pos > commit || (r.pos == commit && r.pos >= prepare) {
			return i
		}
	}
	return len(log)
}

func readEvent(r record, structured bool) *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               toProtoUUID(r.id, structured),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.pos,
			CommitPosition:   r.pos,
			Metadata: map[string]string{
				"type": r.eventType, "content-type": r.contentType, "created": strconv.FormatInt(r.created, 10),
			},
			CustomMetadata: r.meta,
			Data:           r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos},
	}}}
}

// filter is a server-side $all filter (EventFilter.cs): on the stream name
// or on the event type, by regular expression or by prefixes.
type filter struct {
	onType   bool
	re       *regexp.Regexp
	prefixes []string
	interval uint64 // checkpoint every this many considered events
}

func newFilter(f *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if f == nil {
		return nil, nil
	}
	out := &filter{}
	expr := f.GetStreamIdentifier()
	if e := f.GetEventType(); e != nil {
		out.onType, expr = true, e
	}
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "invalid filter regex: %v", err)
		}
		out.re = re
	}
	out.prefixes = expr.GetPrefix()
	// Checkpoints come every window * multiplier considered events
	// (AllSubscriptionFiltered: _checkpointInterval = multiplier * maxSearchWindow).
	window := uint64(f.GetMax())
	if f.GetCount() != nil || window == 0 {
		window = 32
	}
	mult := uint64(f.GetCheckpointIntervalMultiplier())
	if mult == 0 {
		return nil, status.Error(codes.InvalidArgument, "checkpointIntervalMultiplier must be positive")
	}
	out.interval = window * mult
	return out, nil
}

func (f *filter) allows(r record) bool {
	if f == nil {
		return true
	}
	s := r.stream
	if f.onType {
		s = r.eventType
	}
	if f.re != nil {
		return f.re.MatchString(s)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
