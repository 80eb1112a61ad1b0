package bus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/eventstore"
)

// Redis is the bus of the distributed mode: one Redis stream holds the log,
// each projection reads it through its own consumer group, with one active
// consumer per group (fencing guarantees it) so order holds.
type Redis struct {
	client   redis.UniversalClient
	consumer string
	stream   string
	logger   watermill.LoggerAdapter
	pub      *redisstream.Publisher
}

// sharedClient keeps watermill from closing the caller's client:
// redisstream's Close closes the client it was given.
type sharedClient struct{ redis.UniversalClient }

func (sharedClient) Close() error { return nil }

// NackResendPause is how long a nacked message waits before it is sent
// again (redisstream's default resends at once, in a tight loop).
const NackResendPause = 500 * time.Millisecond

// NewRedis returns the Redis bus on client's stream prefix+Topic; consumer
// names this process in every group.
func NewRedis(client redis.UniversalClient, prefix, consumer string, logger *slog.Logger) (*Redis, error) {
	if client == nil || consumer == "" {
		return nil, errors.New("redis bus: client and consumer name are required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	wl := quiet(logger)
	pub, err := redisstream.NewPublisher(redisstream.PublisherConfig{Client: sharedClient{client}}, wl)
	if err != nil {
		return nil, fmt.Errorf("redis bus: %w", err)
	}
	return &Redis{client: client, consumer: consumer, stream: prefix + Topic, logger: wl, pub: pub}, nil
}

// Stream is the Redis key of the log's stream.
func (r *Redis) Stream() string { return r.stream }

// Publish appends messages to the stream (topic is always Topic).
func (r *Redis) Publish(_ string, msgs ...*message.Message) error {
	return r.pub.Publish(r.stream, msgs...)
}

// Subscribe joins projection's consumer group under a fresh consumer name.
// Before reading new entries it claims every entry still pending for other
// consumers of the group (dead ones: only one is ever active), instead of
// waiting the long idle time redisstream uses to judge a consumer dead.
func (r *Redis) Subscribe(ctx context.Context, projection string) (<-chan *message.Message, error) {
	me := r.consumer + "-" + randomSuffix()
	sub, err := redisstream.NewSubscriber(redisstream.SubscriberConfig{
		Client:          sharedClient{r.client},
		ConsumerGroup:   projection,
		Consumer:        me,
		NackResendSleep: NackResendPause,
		BlockTime:       200 * time.Millisecond,
		// Without it the first XREADGROUP blocks forever on a quiet stream
		// and ignores ctx, leaking the reader.
		DisableIndefiniteInitialBlock: true,
		// Claim at once what another consumer left pending; the first claim
		// runs before the first read, so those entries come first.
		MaxIdleTime:               time.Millisecond,
		ShouldClaimPendingMessage: func(p redis.XPendingExt) bool { return p.Consumer != me },
		ClaimInterval:             time.Second,
		ClaimBatchSize:            10_000,
		OldestId:                  "0",
	}, r.logger)
	if err != nil {
		return nil, fmt.Errorf("redis bus: %w", err)
	}
	ch, err := sub.Subscribe(ctx, r.stream)
	if err != nil {
		_ = sub.Close()
		return nil, fmt.Errorf("redis bus: subscribe %s: %w", projection, err)
	}
	go func() {
		<-ctx.Done()
		_ = sub.Close()
	}()
	return ch, nil
}

// LastForwarded returns the position of the stream's newest entry: the
// forwarder's checkpoint in the Redis mode. ok is false for an empty stream.
func (r *Redis) LastForwarded(ctx context.Context) (eventstore.Position, bool, error) {
	entries, err := r.client.XRevRangeN(ctx, r.stream, "+", "-", 1).Result()
	if err != nil || len(entries) == 0 {
		return eventstore.Start, false, err
	}
	msg, err := redisstream.DefaultMarshallerUnmarshaller{}.Unmarshal(entries[0].Values)
	if err != nil {
		return eventstore.Start, false, fmt.Errorf("redis bus: newest entry: %w", err)
	}
	pos, err := LastOf(msg)
	return pos, err == nil, err
}

// Trim drops the stream's entries every consumer group is done with: XTRIM
// MINID to the lowest, over the groups, of the oldest pending entry or (with
// nothing pending) the last delivered one. The last delivered entry stays,
// so the forwarder can still read its checkpoint. With names, only those
// groups count: a group no projection reads any more (a view renamed or
// retired) must not hold the stream forever; a projection whose entries
// were trimmed fills the gap from the event store. It returns how many
// entries went.
func (r *Redis) Trim(ctx context.Context, names ...string) (int64, error) {
	groups, err := r.client.XInfoGroups(ctx, r.stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return 0, nil // nothing published yet
		}
		return 0, err
	}
	low := ""
	for _, g := range groups {
		if len(names) > 0 && !slices.Contains(names, g.Name) {
			continue
		}
		bound := g.LastDeliveredID
		if g.Pending > 0 {
			p, err := r.client.XPending(ctx, r.stream, g.Name).Result()
			if err != nil {
				return 0, err
			}
			if p.Count > 0 && idBefore(p.Lower, bound) {
				bound = p.Lower
			}
		}
		if low == "" || idBefore(bound, low) {
			low = bound
		}
	}
	if low == "" || low == "0-0" {
		return 0, nil
	}
	return r.client.XTrimMinID(ctx, r.stream, low).Result()
}

// idBefore compares stream ids "ms-seq" numerically.
func idBefore(a, b string) bool {
	am, as := splitID(a)
	bm, bs := splitID(b)
	if am != bm {
		return am < bm
	}
	return as < bs
}

func splitID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m, s
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Close stops publishing; the client stays open for its owner.
func (r *Redis) Close() error { return r.pub.Close() }

// ForwarderStart is where the forwarder resumes in the Redis mode: after
// the stream's newest entry, or after the log's head for an empty stream
// (a consumer behind it fills the gap from the event store).
func (r *Redis) ForwarderStart(events eventstore.Store) func(context.Context) (eventstore.Position, error) {
	return func(ctx context.Context) (eventstore.Position, error) {
		pos, ok, err := r.LastForwarded(ctx)
		if err != nil || ok {
			return pos, err
		}
		return events.HeadPosition(ctx)
	}
}
