// Package statefile keeps a check's memory between runs: a small JSON file,
// under an exclusive lock for the whole read-modify-write, replaced
// atomically so that a crash or a concurrent run never leaves half a file.
//
// Locking is github.com/gofrs/flock (flock(2) on PATH.lock) and the atomic
// replacement is github.com/google/renameio/v2 (temporary file, fsync,
// rename); this package only adds the context deadline and the operator
// messages.
package statefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"
)

// DefaultDir is where checks keep their state files unless told otherwise.
// /var/tmp survives reboots on Debian and RHEL, unlike /tmp on tmpfs.
const DefaultDir = "/var/tmp/edgecheck"

// A File is one state file. The zero value is not usable: set Path.
type File struct {
	// Path of the JSON file; the lock is Path + ".lock".
	Path string
	// Flag names the flag that chooses Path, for the hints in errors
	// (for example "--state-file").
	Flag string
	lock *flock.Flock
}

// pollInterval is how often a waiting run retries the lock.
const pollInterval = 20 * time.Millisecond

// Lock takes the exclusive lock, creating the directory if needed, and
// waits until ctx ends. The error names the file and says what to do.
func (f *File) Lock(ctx context.Context) error {
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the state directory %s: %v (%s)", dir, err, f.hint())
	}
	l := flock.New(f.Path+".lock", flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	start := time.Now()
	ok, err := l.TryLockContext(ctx, pollInterval)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("cannot lock %s.lock: %v (%s)", f.Path, err, f.hint())
	}
	if !ok {
		return fmt.Errorf("state file %s stayed locked by another run for %.1fs: is a run of this check hanging? %w",
			f.Path, time.Since(start).Seconds(), ctx.Err())
	}
	f.lock = l
	return nil
}

// Unlock releases the lock; it is safe to call when not locked.
func (f *File) Unlock() {
	if f.lock != nil {
		_ = f.lock.Unlock()
		f.lock = nil
	}
}

// ErrCorrupt marks a state file whose content is not the JSON expected.
var ErrCorrupt = errors.New("state file is corrupt")

// Read decodes the file into v. A missing file returns (false, nil) and
// leaves v alone. A file that is not valid JSON returns an error wrapping
// ErrCorrupt; a permission problem returns an error naming the file.
func (f *File) Read(v any) (bool, error) {
	data, found, err := f.ReadBytes()
	if err != nil || !found {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Path, err)
	}
	return true, nil
}

// Write replaces the file atomically with v as indented JSON, mode 0644.
func (f *File) Write(v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("cannot encode state file %s: %v", f.Path, err)
	}
	return f.WriteBytes(append(data, '\n'))
}

// ReadBytes returns the file's raw content, for state kept in a format of
// its own. A missing file returns (nil, false, nil).
func (f *File) ReadBytes() ([]byte, bool, error) {
	data, err := os.ReadFile(f.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("cannot read state file %s: %v (run the check as the user that owns it, or %s)", f.Path, err, f.hint())
	}
	return data, true, nil
}

// WriteBytes replaces the file atomically with data, mode 0644.
func (f *File) WriteBytes(data []byte) error {
	if err := renameio.WriteFile(f.Path, data, 0o644); err != nil {
		return fmt.Errorf("cannot write state file %s: %v (%s)", f.Path, err, f.hint())
	}
	return nil
}

func (f *File) hint() string {
	if f.Flag == "" {
		return "make the directory writable for the check's user"
	}
	return "use " + f.Flag + " in a directory the check's user can write"
}

// SafeName turns free text (a host name, a connection target) into a file
// name component: letters, digits, '.', '-' and '_' are kept, anything else
// becomes '_'.
func SafeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
