package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listen holds one pooled connection in LISTEN on channel and sends on the
// returned channel for each notification (coalesced: a pending wake-up is
// not doubled). It reconnects after errors until ctx ends. Wake-ups are an
// optimisation only: the worker's interval polling stays the fallback, so
// a pooler that cannot LISTEN (PgBouncer in transaction mode) costs latency,
// never correctness.
func Listen(ctx context.Context, pool *pgxpool.Pool, channel string, logger *slog.Logger) <-chan struct{} {
	if logger == nil {
		logger = slog.Default()
	}
	wake := make(chan struct{}, 1)
	go func() {
		for ctx.Err() == nil {
			if err := listenOnce(ctx, pool, channel, wake); err != nil && ctx.Err() == nil {
				logger.Warn("wf: LISTEN failed; polling until it reconnects", "channel", channel, "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(2 * time.Second):
				}
			}
		}
	}()
	return wake
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, channel string, wake chan<- struct{}) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			// The connection may still be LISTENing: close it rather than
			// return it to the pool.
			_ = conn.Conn().Close(context.Background())
			return err
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}
