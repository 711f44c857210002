package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// redisLog carries go-redis' own messages (a pool that cannot dial, a dropped connection)
// into the service's JSON log as warnings; by default the library prints plain-text lines to
// stderr, which breaks a log made of JSON lines.
type redisLog struct{ logger *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, args ...any) {
	l.logger.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, args...))
}

// routeRedisLogs makes logger the destination of go-redis' messages (process-wide).
func routeRedisLogs(logger *slog.Logger) { redis.SetLogger(redisLog{logger}) }
