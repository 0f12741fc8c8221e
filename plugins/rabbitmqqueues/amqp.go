package rabbitmqqueues

// Adapter for amqp091-go: the management API sends no message or consumer
// counts when statistics are disabled (management.disable_stats, a
// disabled metrics collector), but every queue still answers a passive
// queue.declare (AMQP 0-9-1 class queue, method declare with passive=1)
// with its queue.declare-ok message-count (messages ready for delivery)
// and consumer-count, read from the queue process itself. amqp091-go has no
// context support, so the connection is closed when the check's context
// ends, which fails the pending call.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"edgecheck/shared/nagios"
)

// maxAMQPQueues bounds the passive declarations of one run (one round trip
// each on one channel, about 0.1 ms on loopback).
const maxAMQPQueues = 5000

// validateAMQPURL refuses a URL that is not amqp:// or amqps:// or that
// carries credentials or a vhost (credentials come from the credentials
// file or environment, the vhost from --vhost).
func validateAMQPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Host == "" {
		return fmt.Errorf("--amqp-url %q is not an amqp:// or amqps:// URL (e.g. amqp://127.0.0.1:5672)", raw)
	}
	if u.User != nil {
		return fmt.Errorf("--amqp-url must not carry credentials (command lines are visible in ps); they come from --credentials-file or %s/%s", EnvUsername, EnvPassword)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("--amqp-url must not name a vhost (%s); the vhost is --vhost", u.Path)
	}
	return nil
}

// amqpNeeds tells whether q lacks numbers that a passive declare gives.
func amqpNeeds(q queue) bool {
	return !q.NotAnswering && !leaderless(q) && (q.State == "" || goodStates[q.State]) && (!q.HasConsumers || (!q.HasDepth && q.Type != "stream"))
}

// fillAMQP reads the message and consumer counts of the queues the
// management API left without them, over AMQP with a passive queue.declare
// each. A queue deleted in the meantime (404 NOT_FOUND) keeps its unknowns.
func fillAMQP(ctx context.Context, rawURL, vhost string, cr creds, tlsConf *tls.Config, lst *listing) (int, error) {
	var idx []int
	for i, q := range lst.Queues {
		if amqpNeeds(q) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return 0, nil
	}
	if len(idx) > maxAMQPQueues {
		idx = idx[:maxAMQPQueues]
	}
	nagios.SetStage(ctx, fmt.Sprintf("declaring %d queues passively over AMQP at %s", len(idx), rawURL))
	cfg := amqp.Config{
		SASL:            []amqp.Authentication{&amqp.PlainAuth{Username: cr.Username, Password: cr.Password}},
		Vhost:           vhost,
		TLSClientConfig: tlsConf,
		Dial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 30 * time.Second}
			conn, err := d.DialContext(ctx, network, addr)
			if err == nil {
				if dl, ok := ctx.Deadline(); ok {
					_ = conn.SetDeadline(dl)
				}
			}
			return conn, err
		},
	}
	conn, err := amqp.DialConfig(rawURL, cfg)
	if err != nil {
		return 0, fmt.Errorf("cannot open AMQP connection to %s (vhost %q) as the management API's user: %v", rawURL, vhost, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	ch, err := conn.Channel()
	if err != nil {
		return 0, fmt.Errorf("AMQP at %s: opening a channel: %v", rawURL, err)
	}
	filled := 0
	for _, i := range idx {
		q := &lst.Queues[i]
		st, err := ch.QueueDeclarePassive(q.Name, false, false, false, false, nil)
		var ae *amqp.Error
		switch {
		case ctx.Err() != nil:
			return filled, ctx.Err()
		case errors.As(err, &ae) && ae.Code == amqp.NotFound:
			// The channel is closed after the error: open a new one.
			if ch, err = conn.Channel(); err != nil {
				return filled, fmt.Errorf("AMQP at %s: reopening a channel: %v", rawURL, err)
			}
			continue
		case err != nil:
			return filled, fmt.Errorf("AMQP passive queue.declare of %q at %s (vhost %q): %v", q.Name, rawURL, vhost, err)
		}
		if !q.HasConsumers {
			q.HasConsumers, q.Consumer = true, int64(st.Consumers)
		}
		if !q.HasDepth && q.Type != "stream" {
			q.HasDepth, q.Ready, q.Messages, q.DepthFrom = true, int64(st.Messages), int64(st.Messages), "AMQP queue.declare"
		}
		filled++
	}
	return filled, nil
}
