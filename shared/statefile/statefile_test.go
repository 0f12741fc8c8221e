package statefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type counter struct {
	N int `json:"n"`
}

func TestReadMissingIsEmpty(t *testing.T) {
	f := &File{Path: filepath.Join(t.TempDir(), "s.json")}
	var c counter
	found, err := f.Read(&c)
	if err != nil || found {
		t.Fatalf("Read on a missing file = (%v, %v), want (false, nil)", found, err)
	}
}

func TestWriteThenRead(t *testing.T) {
	f := &File{Path: filepath.Join(t.TempDir(), "sub", "s.json")}
	if err := f.Lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer f.Unlock()
	if err := f.Write(counter{N: 7}); err != nil {
		t.Fatal(err)
	}
	var c counter
	found, err := f.Read(&c)
	if err != nil || !found || c.N != 7 {
		t.Fatalf("Read = (%v, %v, %+v), want (true, nil, {7})", found, err, c)
	}
}

func TestCorruptIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(p, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	var c counter
	_, err := (&File{Path: p}).Read(&c)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Read of a corrupt file = %v, want ErrCorrupt naming %s", err, p)
	}
}

// Concurrent read-modify-write cycles under the lock lose no update.
func TestConcurrentIncrementsAreNotLost(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.json")
	const runs = 20
	var wg sync.WaitGroup
	for i := 0; i < runs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &File{Path: p}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := f.Lock(ctx); err != nil {
				t.Error(err)
				return
			}
			defer f.Unlock()
			var c counter
			if _, err := f.Read(&c); err != nil {
				t.Error(err)
				return
			}
			c.N++
			if err := f.Write(c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var c counter
	if _, err := (&File{Path: p}).Read(&c); err != nil || c.N != runs {
		t.Fatalf("after %d locked increments the file holds %d (err %v)", runs, c.N, err)
	}
}

func TestLockTimesOutNamingTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.json")
	holder := &File{Path: p}
	if err := holder.Lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := (&File{Path: p}).Lock(ctx)
	if err == nil || !strings.Contains(err.Error(), "stayed locked") || !strings.Contains(err.Error(), p) {
		t.Fatalf("second Lock = %v, want a 'stayed locked' error naming %s", err, p)
	}
}

func TestSafeName(t *testing.T) {
	if got := SafeName("tcp:192.0.2.10:6653/x"); got != "tcp_192.0.2.10_6653_x" {
		t.Fatalf("SafeName = %q", got)
	}
}
