package nagios

import (
	"context"
	"sync"
)

// A StageTracker remembers what a check is doing, so that a timeout can say
// where it happened ("timed out after 10s while connecting to OVSDB").
type StageTracker struct {
	mu    sync.Mutex
	stage string
}

// Set records the current stage.
func (t *StageTracker) Set(stage string) {
	t.mu.Lock()
	t.stage = stage
	t.mu.Unlock()
}

// Get returns the current stage.
func (t *StageTracker) Get() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stage
}

type stageKey struct{}

// WithStageTracker attaches t to ctx.
func WithStageTracker(ctx context.Context, t *StageTracker) context.Context {
	return context.WithValue(ctx, stageKey{}, t)
}

// SetStage records what the check does next, for timeout messages. It is a
// no-op when ctx carries no tracker (unit tests).
func SetStage(ctx context.Context, stage string) {
	if t, ok := ctx.Value(stageKey{}).(*StageTracker); ok {
		t.Set(stage)
	}
}

type verboseKey struct{}

// WithVerbosity attaches the -v count to ctx.
func WithVerbosity(ctx context.Context, level int) context.Context {
	return context.WithValue(ctx, verboseKey{}, level)
}

// Verbosity returns the -v count carried by ctx.
func Verbosity(ctx context.Context) int {
	v, _ := ctx.Value(verboseKey{}).(int)
	return v
}
