package kurrenttest

import (
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// fellBehindAt is how far a live subscription may trail the log before it
// is switched back to catching up, which the client is told with FellBehind.
const fellBehindAt = 256

// subscribeAll is a catch-up subscription to $all, as KurrentDB's
// AllSubscription / AllSubscriptionFiltered enumerators run it:
//
//   - a confirmation first;
//   - from a position, it starts strictly after the record found at or after
//     that position: the server reads one event from it and continues from
//     the next position (Subscribe: ReadAllEventsForward(pos, 1).NextPos). An
//     exact event position therefore means "after that event"; any other
//     position skips the first event after it, so only delivered positions
//     are safe to resume from;
//   - from the end, it goes live at once; otherwise it catches up, then
//     says CaughtUp and goes live, and says FellBehind if it drops back;
//   - with a filter, a Checkpoint every window * multiplier considered
//     events while catching up and live, and one when catching up ends,
//     whose position is the log's end (LastIndexedPosition), not an event.
func (st *streams) subscribeAll(o *api.ReadReq_Options, flt *filter, structured bool, srv api.Streams_ReadServer) error {
	ctx := srv.Context()
	dropEvery, dropNow := st.s.subscriptionKnobs()
	if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString()}}}); err != nil {
		return err
	}
	log, changed := st.s.db.snapshot()
	i, live := 0, false
	switch p := o.GetAll().GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_End:
		i, live = len(log), true
		if err := srv.Send(caughtUp()); err != nil {
			return err
		}
	case *api.ReadReq_Options_AllOptions_Position:
		i = firstAtOrAfter(log, p.Position.GetCommitPosition(), p.Position.GetPreparePosition())
		if i < len(log) {
			i++
		}
	}
	var considered, sent uint64
	for {
		select {
		case <-dropNow:
			return status.Error(codes.Unavailable, "Server Is Not Ready")
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		default:
		}
		if i < len(log) {
			if live && len(log)-i > fellBehindAt {
				live = false
				if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_FellBehind_{FellBehind: &api.ReadResp_FellBehind{}}}); err != nil {
					return err
				}
			}
			r := log[i]
			i++
			considered++
			if flt.allows(r) {
				if err := srv.Send(readEvent(r, structured)); err != nil {
					return err
				}
				sent++
				if dropEvery > 0 && sent%uint64(dropEvery) == 0 {
					return status.Error(codes.Unavailable, "Server Is Not Ready")
				}
			}
			if flt != nil && considered%flt.interval == 0 {
				if err := srv.Send(checkpoint(r.pos)); err != nil {
					return err
				}
			}
			continue
		}
		if !live {
			live = true
			if flt != nil {
				end := uint64(firstOffset)
				if len(log) > 0 {
					end = log[len(log)-1].pos + log[len(log)-1].size
				}
				if err := srv.Send(checkpoint(end)); err != nil {
					return err
				}
			}
			if err := srv.Send(caughtUp()); err != nil {
				return err
			}
		}
		select {
		case <-changed:
			log, changed = st.s.db.snapshot()
		case <-dropNow:
			return status.Error(codes.Unavailable, "Server Is Not Ready")
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

func caughtUp() *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}
}

func checkpoint(pos uint64) *api.ReadResp {
	return &api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
		CommitPosition: pos, PreparePosition: pos}}}
}
