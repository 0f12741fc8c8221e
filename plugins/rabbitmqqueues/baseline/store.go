package baseline

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"edgecheck/shared/statefile"
)

// Magic opens every baseline file, so that a foreign file is recognised
// before it is decoded.
const Magic = "edgecheck-rabbitmq-baseline\n"

// Version is the format this build writes; an older one is converted by
// migrate, a newer one is refused with its number.
const Version = 1

// Expiry drops the series of a queue not seen for this long (a compute host
// that was decommissioned), so the file's size follows the fleet.
const Expiry = 30 * 24 * time.Hour

// A State is the content of one baseline file: the series of every queue
// the selection has seen, and of the selection's sums.
type State struct {
	Version int
	// Scope identifies the selection (URL, vhost and selection flags); a
	// file of another scope is refused, not mixed in.
	Scope  string
	Queues map[string]*Series
	Total  Series
}

// A Store is an open baseline file, locked until Close.
type Store struct {
	file  *statefile.File
	State *State
}

// ErrForeign marks a file that is not a baseline of this scope.
var ErrForeign = errors.New("not a baseline file of this selection")

// Open locks path and reads it. A missing file is an empty state; a file
// that is not a baseline, of another scope, of a newer version or corrupt
// is an error naming the path, and the file is left as it is: history is
// never reset silently.
func Open(ctx context.Context, path, scope string) (*Store, error) {
	f := &statefile.File{Path: path, Flag: "--baseline-file"}
	if err := f.Lock(ctx); err != nil {
		return nil, err
	}
	st, err := read(f, scope)
	if err != nil {
		f.Unlock()
		return nil, err
	}
	return &Store{file: f, State: st}, nil
}

func read(f *statefile.File, scope string) (*State, error) {
	data, found, err := f.ReadBytes()
	if err != nil {
		return nil, err
	}
	if !found {
		return &State{Version: Version, Scope: scope, Queues: map[string]*Series{}}, nil
	}
	return Decode(data, f.Path, scope)
}

// Decode parses a baseline file's content; path is for the messages.
func Decode(data []byte, path, scope string) (*State, error) {
	if !bytes.HasPrefix(data, []byte(Magic)) {
		return nil, fmt.Errorf("%w: %s does not start with the edgecheck baseline header; move it away or give another --baseline-file", ErrForeign, path)
	}
	st, err := decodeBody(bytes.NewReader(data[len(Magic):]))
	if err != nil {
		return nil, fmt.Errorf("baseline file %s is corrupt (%v); the learned history is in it, so it is left alone: move it away to start learning again", path, err)
	}
	switch {
	case st.Version > Version:
		return nil, fmt.Errorf("baseline file %s has format version %d, newer than this check's %d: upgrade edgecheck on this host, or give another --baseline-file", path, st.Version, Version)
	case st.Scope != scope:
		return nil, fmt.Errorf("%w: %s learned %q, not %q: give each selection its own --baseline-file", ErrForeign, path, st.Scope, scope)
	}
	return st, nil
}

// The body, little-endian: uint32 version, then for version 1 the scope
// (uvarint length and bytes), the Total series, a uvarint count and per
// queue its name and its series. A Series is fixed-size (binary.Size), so
// a fully learned queue takes about 1.6 KB.
func decodeBody(r *bytes.Reader) (*State, error) {
	st := &State{Queues: map[string]*Series{}}
	var version uint32
	if err := binary.Read(r, binary.LittleEndian, &version); err != nil {
		return nil, fmt.Errorf("no format version: %v", err)
	}
	st.Version = int(version)
	if st.Version < 1 {
		return nil, fmt.Errorf("format version %d", st.Version)
	}
	if st.Version > Version {
		return st, nil // refused by the caller, with the version named
	}
	var err error
	if st.Scope, err = readString(r); err != nil {
		return nil, fmt.Errorf("scope: %v", err)
	}
	if err := binary.Read(r, binary.LittleEndian, &st.Total); err != nil {
		return nil, fmt.Errorf("totals: %v", err)
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()/seriesSize+1) {
		return nil, fmt.Errorf("queue count unreadable or larger than the file")
	}
	for i := uint64(0); i < n; i++ {
		name, err := readString(r)
		if err != nil {
			return nil, fmt.Errorf("queue #%d: %v", i+1, err)
		}
		s := &Series{}
		if err := binary.Read(r, binary.LittleEndian, s); err != nil {
			return nil, fmt.Errorf("queue %q: %v", name, err)
		}
		st.Queues[name] = s
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%d bytes of trailing garbage", r.Len())
	}
	migrate(st)
	return st, nil
}

var seriesSize = binary.Size(Series{})

func readString(r *bytes.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return "", errors.New("string length unreadable or larger than the file")
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	return string(b), err
}

func writeString(buf *bytes.Buffer, s string) {
	buf.Write(binary.AppendUvarint(nil, uint64(len(s))))
	buf.WriteString(s)
}

// migrate brings an older format up to Version. Version 1 is the first;
// a later version adds its conversion here, so history survives upgrades.
func migrate(st *State) { st.Version = Version }

// Encode returns the file content for st, queues in name order so that
// equal states give equal files.
func Encode(st *State) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(Magic) + (len(st.Queues)+1)*(seriesSize+40))
	buf.WriteString(Magic)
	if err := binary.Write(&buf, binary.LittleEndian, uint32(st.Version)); err != nil {
		return nil, err
	}
	writeString(&buf, st.Scope)
	if err := binary.Write(&buf, binary.LittleEndian, &st.Total); err != nil {
		return nil, err
	}
	buf.Write(binary.AppendUvarint(nil, uint64(len(st.Queues))))
	for _, name := range slices.Sorted(maps.Keys(st.Queues)) {
		writeString(&buf, name)
		if err := binary.Write(&buf, binary.LittleEndian, st.Queues[name]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// Prune drops the series of queues not seen since now-Expiry.
func (st *State) Prune(now time.Time) {
	cut := now.Add(-Expiry).Unix()
	for name, s := range st.Queues {
		if s.Seen < cut {
			delete(st.Queues, name)
		}
	}
}

// Series returns the series of a queue, creating it.
func (st *State) Series(queue string) *Series {
	s := st.Queues[queue]
	if s == nil {
		s = &Series{}
		st.Queues[queue] = s
	}
	return s
}

// Save prunes, writes the file atomically and returns its size in bytes.
func (s *Store) Save(now time.Time) (int, error) {
	s.State.Prune(now)
	data, err := Encode(s.State)
	if err != nil {
		return 0, fmt.Errorf("cannot encode baseline %s: %v", s.file.Path, err)
	}
	if err := s.file.WriteBytes(data); err != nil {
		return 0, err
	}
	return len(data), nil
}

// Close releases the lock.
func (s *Store) Close() { s.file.Unlock() }
