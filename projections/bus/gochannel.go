package bus

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

// GoChannel is the in-process bus of the embedded default. Every projector
// subscribes to the one topic and gets every message.
type GoChannel struct {
	pubsub *gochannel.GoChannel
}

// NewGoChannel returns an in-process bus. BlockPublishUntilSubscriberAck is
// set: without it GoChannel hands each message to its subscribers on a
// goroutine of its own, so two messages can arrive in either order.
func NewGoChannel(logger *slog.Logger) *GoChannel {
	if logger == nil {
		logger = slog.Default()
	}
	return &GoChannel{pubsub: gochannel.NewGoChannel(gochannel.Config{
		BlockPublishUntilSubscriberAck: true,
	}, quiet(logger))}
}

// Publish sends messages to every subscriber, returning once all acked.
func (g *GoChannel) Publish(topic string, msgs ...*message.Message) error {
	return g.pubsub.Publish(topic, msgs...)
}

// Subscribe opens projection's feed; in-process every feed sees every
// message, so the projection name only labels it.
func (g *GoChannel) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	return g.pubsub.Subscribe(ctx, Topic)
}

// Close stops the bus.
func (g *GoChannel) Close() error { return g.pubsub.Close() }

// quiet maps watermill's per-message Info logs to Debug.
func quiet(logger *slog.Logger) watermill.LoggerAdapter {
	return watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
}
