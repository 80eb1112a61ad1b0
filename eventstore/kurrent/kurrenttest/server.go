// Package kurrenttest is an in-process server for the part of the KurrentDB
// gRPC protocol the kurrent adapter uses: appends, stream and $all reads,
// filtered catch-up subscriptions to $all, tombstones and server features.
// It is built on the generated server interfaces that ship in the client
// module, and it copies the real server's behaviour wherever a client could
// be fooled: sparse byte-offset positions, inclusive $all reads, exclusive
// subscription starts, checkpoints and caught-up messages, duplicate
// detection by event id, and not-leader / wrong-expected-version answers in
// the server's own wire format. Each such behaviour names its source.
//
// It also injects the failures a client must survive (lost append
// responses, unavailable nodes, dropped subscriptions), which a real server
// cannot be made to produce on demand.
package kurrenttest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	gossipapi "github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	featuresapi "github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
)

// Server is one node. Nodes made with StartFollower share their leader's log,
// as replicas do, but refuse writes with the not-leader answer.
type Server struct {
	db     *db
	lis    net.Listener
	grpc   *grpc.Server
	leader *Server // nil for the leader itself
	clock  func() time.Time
	// maxAppendSize is KurrentDB's MaxAppendSize: the total size of the
	// events of one append (default 1 MiB, KURRENTDB_MAX_APPEND_SIZE).
	maxAppendSize int

	mu           sync.Mutex
	appendFaults []fault
	dropEvery    int           // end every subscription after this many events (0: never)
	dropNow      chan struct{} // closed by DropSubscriptions
	subscribed   int           // subscriptions opened so far
	notLeader    int           // writes refused as a follower
	stopped      bool
	id           uuid.UUID // instance id in gossip
}

// NotLeaderAnswers is how many writes this node refused as a follower.
func (s *Server) NotLeaderAnswers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notLeader
}

// fault is one injected failure of the next append.
type fault struct {
	code        codes.Code
	afterCommit bool // the write happens, only the answer is lost
}

// DefaultMaxAppendSize is KurrentDB's default MaxAppendSize, 1 MiB.
const DefaultMaxAppendSize = 1 << 20

// Option configures a node.
type Option func(*Server)

// WithMaxAppendSize sets the largest append the node takes, in bytes.
func WithMaxAppendSize(n int) Option { return func(s *Server) { s.maxAppendSize = n } }

// Start starts a leader on a free loopback port.
func Start(opts ...Option) (*Server, error) { return StartAt("127.0.0.1:0", opts...) }

// StartAt starts a leader listening on addr (host:port).
func StartAt(addr string, opts ...Option) (*Server, error) { return start(newDB(), nil, addr, opts) }

// StartFollower starts a follower of leader: reads are served from the
// shared log, appends are answered with not-leader and the leader's address.
func StartFollower(leader *Server) (*Server, error) {
	return start(leader.db, leader, "127.0.0.1:0", []Option{WithMaxAppendSize(leader.maxAppendSize)})
}

// Restart starts the node again on its old address with its old log, after
// Close: a node coming back after an outage.
func (s *Server) Restart() (*Server, error) {
	return start(s.db, s.leader, s.Addr(), []Option{WithMaxAppendSize(s.maxAppendSize)})
}

func start(d *db, leader *Server, addr string, opts []Option) (*Server, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kurrenttest: listen: %w", err)
	}
	s := &Server{db: d, lis: lis, leader: leader, clock: time.Now, dropNow: make(chan struct{}), maxAppendSize: DefaultMaxAppendSize}
	for _, o := range opts {
		o(s)
	}
	// The real server accepts events up to 16 MiB (MaxAppendEventSize); the
	// gRPC default of 4 MiB would refuse what KurrentDB takes.
	s.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(17<<20), grpc.MaxSendMsgSize(17<<20))
	s.id = uuid.New()
	api.RegisterStreamsServer(s.grpc, &streams{s: s})
	featuresapi.RegisterServerFeaturesServer(s.grpc, &features{})
	gossipapi.RegisterGossipServer(s.grpc, &gossip{s: s})
	d.mu.Lock()
	d.nodes = append(d.nodes, s)
	d.mu.Unlock()
	go func() { _ = s.grpc.Serve(lis) }()
	return s, nil
}

// Addr is the node's host:port.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// URL is a connection string for the node: plain text, and quick to give up
// discovery so that tests of an unreachable node stay short.
func (s *Server) URL() string {
	return "esdb://" + s.Addr() + "?tls=false&maxDiscoverAttempts=3&discoveryInterval=20&gossipTimeout=1"
}

// Close stops the node at once: open calls and subscriptions fail, and
// gossip reports it dead.
func (s *Server) Close() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.grpc.Stop()
}

// AppendSystemEvent writes an event to a system stream, as the server itself
// does ($stats-*, $settings, $scavenges ...), so that clients meet them in $all.
func (s *Server) AppendSystemEvent(stream, eventType string) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	s.db.writeLocked(stream, []proposed{{id: newID(), eventType: eventType, contentType: "application/json",
		data: []byte(`{"system":true}`)}}, ticks(s.clock()))
}

// FailAppends makes the next n appends fail with code. With afterCommit the
// events are written first and only the answer is lost, as when a node
// commits and then the connection drops.
func (s *Server) FailAppends(n int, code codes.Code, afterCommit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.appendFaults = append(s.appendFaults, fault{code: code, afterCommit: afterCommit})
	}
}

func (s *Server) nextAppendFault() (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.appendFaults) == 0 {
		return fault{}, false
	}
	f := s.appendFaults[0]
	s.appendFaults = s.appendFaults[1:]
	return f, true
}

// DropSubscriptionsEvery ends every subscription (with Unavailable) after it
// has sent n events; 0 turns it off.
func (s *Server) DropSubscriptionsEvery(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropEvery = n
}

// DropSubscriptions ends every open subscription now, with Unavailable.
func (s *Server) DropSubscriptions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.dropNow)
	s.dropNow = make(chan struct{})
}

// Subscriptions is how many subscriptions were opened on this node.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subscribed
}

func (s *Server) subscriptionKnobs() (dropEvery int, dropNow <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribed++
	return s.dropEvery, s.dropNow
}

// EventCount is the number of events in the log, system events included.
func (s *Server) EventCount() int {
	log, _ := s.db.snapshot()
	return len(log)
}

// leaderEndpoint is the leader's host and port, for not-leader answers.
func (s *Server) leaderEndpoint() (string, string) {
	host, port, _ := net.SplitHostPort(s.leader.Addr())
	return host, port
}

// ticks is the "created" metadata value: 100 ns ticks since the Unix epoch
// (the client reads it back with time.Unix(0, ticks*100)).
func ticks(t time.Time) int64 { return t.UnixNano() / 100 }

// features answers the server-features call the client makes when it
// connects; the version is one whose wire behaviour this package follows.
type features struct {
	featuresapi.UnimplementedServerFeaturesServer
}

func (*features) GetSupportedMethods(_ context.Context, _ *shared.Empty) (*featuresapi.SupportedMethods, error) {
	const svc = "event_store.client.streams.streams"
	methods := []*featuresapi.SupportedMethod{}
	for _, m := range []string{"read", "append", "delete", "tombstone"} {
		methods = append(methods, &featuresapi.SupportedMethod{MethodName: m, ServiceName: svc})
	}
	return &featuresapi.SupportedMethods{Methods: methods, EventStoreServerVersion: "24.10.0"}, nil
}

// New starts a leader for a test and stops it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
