package kurrenttest

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// streams is the event_store.client.streams.Streams service.
type streams struct {
	api.UnimplementedStreamsServer
	s *Server
}

// Exception trailers, as KurrentDB's RpcExceptions.cs and Constants.cs send
// them and the Go client's handleError reads them.
const (
	exceptionKey       = "exception"
	exceptionNotLeader = "not-leader"
	exceptionDeleted   = "stream-deleted"
)

// notLeader is the answer of a follower to a write: status NotFound "Leader
// info available" with the leader's endpoint in the trailers
// (RpcExceptions.LeaderInfo). The client reconnects to that endpoint.
func (st *streams) notLeader(setTrailer func(metadata.MD)) error {
	host, port := st.s.leaderEndpoint()
	st.s.mu.Lock()
	st.s.notLeader++
	st.s.mu.Unlock()
	setTrailer(metadata.Pairs(exceptionKey, exceptionNotLeader, "leader-endpoint-host", host, "leader-endpoint-port", port))
	return status.Error(codes.NotFound, "Leader info available")
}

// streamDeleted is RpcExceptions.StreamDeleted: FailedPrecondition with the
// stream's name in the trailers.
func streamDeletedErr(setTrailer func(metadata.MD), stream string) error {
	setTrailer(metadata.Pairs(exceptionKey, exceptionDeleted, "stream-name", stream))
	return status.Errorf(codes.FailedPrecondition, "Event stream '%s' is deleted.", stream)
}

// Append follows Streams.Append.cs: one options message, then the proposed
// events; type and content-type metadata are required.
func (st *streams) Append(srv api.Streams_AppendServer) error {
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	var expected int64
	switch o := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		expected = int64(o.Revision)
	case *api.AppendReq_Options_NoStream:
		expected = expectNoStream
	case *api.AppendReq_Options_Any:
		expected = expectAny
	case *api.AppendReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		return status.Errorf(codes.InvalidArgument, "'%T' is not a valid expected stream revision", o)
	}
	var evs []proposed
	size := 0
	for {
		req, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		msg := req.GetProposedMessage()
		if msg == nil {
			return status.Error(codes.InvalidArgument, "expected a proposed message")
		}
		typ, ok := msg.GetMetadata()["type"]
		if !ok {
			return status.Error(codes.InvalidArgument, "Required Metadata Property 'type' is missing")
		}
		ct, ok := msg.GetMetadata()["content-type"]
		if !ok {
			return status.Error(codes.InvalidArgument, "Required Metadata Property 'content-type' is missing")
		}
		evs = append(evs, proposed{id: fromProtoUUID(msg.GetId()), eventType: typ, contentType: ct,
			data: msg.GetData(), meta: msg.GetCustomMetadata()})
		// Streams.Append.cs sums Event.SizeOnDisk over the append and
		// refuses it past MaxAppendSize with InvalidArgument.
		size += int(recordSize(stream, typ, msg.GetData(), msg.GetCustomMetadata()))
		if size > st.s.maxAppendSize {
			srv.SetTrailer(metadata.Pairs(exceptionKey, "maximum-append-size-exceeded", "maximum-append-size", strconv.Itoa(st.s.maxAppendSize)))
			return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", st.s.maxAppendSize)
		}
	}
	if st.s.leader != nil {
		return st.notLeader(srv.SetTrailer)
	}
	f, faulty := st.s.nextAppendFault()
	if faulty && !f.afterCommit {
		return status.Error(f.code, "injected failure before the write")
	}
	res := st.s.db.append(stream, expected, evs, ticks(st.s.clock()))
	if faulty {
		return status.Error(f.code, "injected failure after the write")
	}
	switch res.outcome {
	case streamDeleted:
		return streamDeletedErr(srv.SetTrailer, stream)
	case wrongExpectedVersion:
		return srv.SendAndClose(wrongExpectedVersionResp(opts, expected, res.revision))
	}
	pos := &api.AppendResp_Position{CommitPosition: res.commit, PreparePosition: res.commit}
	return srv.SendAndClose(&api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(res.revision)},
		PositionOption:        &api.AppendResp_Success_Position{Position: pos},
	}}})
}

// wrongExpectedVersionResp is a result, not an error, in the server's format
// (Streams.Append.cs): the expectation echoed and the current revision, each
// in both the current and the 20.6.0 fields.
func wrongExpectedVersionResp(opts *api.AppendReq_Options, expected, current int64) *api.AppendResp {
	w := &api.AppendResp_WrongExpectedVersion{}
	empty := &shared.Empty{}
	switch opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Any:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: empty}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: empty}
	case *api.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: empty}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: empty}
	case *api.AppendReq_Options_NoStream:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: empty}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: ^uint64(0)}
	default:
		w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
		w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: uint64(expected)}
	}
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: empty}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: empty}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// Tombstone hard-deletes a stream (Streams.Tombstone).
func (st *streams) Tombstone(ctx context.Context, req *api.TombstoneReq) (*api.TombstoneResp, error) {
	setTrailer := func(md metadata.MD) { _ = grpc.SetTrailer(ctx, md) }
	if st.s.leader != nil {
		return nil, st.notLeader(setTrailer)
	}
	opts := req.GetOptions()
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	var expected int64
	switch o := opts.GetExpectedStreamRevision().(type) {
	case *api.TombstoneReq_Options_Revision:
		expected = int64(o.Revision)
	case *api.TombstoneReq_Options_NoStream:
		expected = expectNoStream
	case *api.TombstoneReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		expected = expectAny
	}
	res := st.s.db.tombstone(stream, expected)
	switch res.outcome {
	case streamDeleted:
		return nil, streamDeletedErr(setTrailer, stream)
	case wrongExpectedVersion:
		// Deletes answer a wrong expected version as an exception
		// (RpcExceptions.WrongExpectedVersion), not as a result.
		_ = grpc.SetTrailer(ctx, metadata.Pairs(exceptionKey, "wrong-expected-version", "stream-name", stream,
			"expected-version", strconv.FormatInt(expected, 10), "actual-version", strconv.FormatInt(res.revision, 10)))
		return nil, status.Errorf(codes.FailedPrecondition, "Delete failed due to WrongExpectedVersion. Stream: %s", stream)
	}
	return &api.TombstoneResp{PositionOption: &api.TombstoneResp_Position_{Position: &api.TombstoneResp_Position{
		CommitPosition: res.commit, PreparePosition: res.commit}}}, nil
}

func fromProtoUUID(u *shared.UUID) uuid.UUID {
	if s := u.GetStructured(); s != nil {
		var id uuid.UUID
		most, least := uint64(s.GetMostSignificantBits()), uint64(s.GetLeastSignificantBits())
		for i := range 8 {
			id[i] = byte(most >> (56 - 8*i))
			id[8+i] = byte(least >> (56 - 8*i))
		}
		return id
	}
	id, _ := uuid.Parse(u.GetString_())
	return id
}

func toProtoUUID(id uuid.UUID, structured bool) *shared.UUID {
	if !structured {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	var most, least uint64
	for i := range 8 {
		most = most<<8 | uint64(id[i])
		least = least<<8 | uint64(id[8+i])
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits: int64(most), LeastSignificantBits: int64(least)}}}
}

func newID() uuid.UUID { return uuid.New() }
