package kurrenttest

import (
	"context"
	"net"
	"strconv"

	gossipapi "github.com/EventStore/EventStore-Client-Go/v4/protos/gossip"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
)

// gossip answers cluster discovery (Gossip.Read.cs): every node reports
// every member it knows, with its state and HTTP endpoint, and the client
// picks one by its node preference (the leader by default).
type gossip struct {
	gossipapi.UnimplementedGossipServer
	s *Server
}

func (g *gossip) Read(context.Context, *shared.Empty) (*gossipapi.ClusterInfo, error) {
	g.s.db.mu.Lock()
	nodes := append([]*Server(nil), g.s.db.nodes...)
	g.s.db.mu.Unlock()
	info := &gossipapi.ClusterInfo{}
	for _, n := range nodes {
		host, port, _ := net.SplitHostPort(n.Addr())
		p, _ := strconv.Atoi(port)
		state := gossipapi.MemberInfo_Leader
		if n.leader != nil {
			state = gossipapi.MemberInfo_Follower
		}
		n.mu.Lock()
		alive := !n.stopped
		n.mu.Unlock()
		info.Members = append(info.Members, &gossipapi.MemberInfo{
			InstanceId: toProtoUUID(n.id, true), TimeStamp: ticks(n.clock()), State: state, IsAlive: alive,
			HttpEndPoint: &gossipapi.EndPoint{Address: host, Port: uint32(p)},
		})
	}
	return info, nil
}
