//go:build integration

package faultmatrix

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"edgecheck/shared/faults"
	"edgecheck/shared/labtest"
)

// A fixture holds the misbehaving peers every case points a check at. Each
// is a real socket in this process: the checks see real kernel errors and
// real stalls, not a fake client.
type fixture struct {
	faults.Fixture
	dir string

	closers []io.Closer
}

var junk = []byte("\x00\xffthis is not the protocol you are looking for\r\n{[<garbage>]}\x30\x82\xff\xff\n")

func newFixture(t *testing.T) *fixture {
	t.Helper()
	// Not t.TempDir(): the nobody user must be able to traverse it, except
	// where it is told not to (deniedDir).
	dir := labtest.PublicDir(t, "faultmatrix-")
	f := &fixture{dir: dir}
	t.Cleanup(func() {
		for _, c := range f.closers {
			c.Close()
		}
	})

	f.MissingUnix = filepath.Join(dir, "missing", "db.sock")
	f.MissingFile = filepath.Join(dir, "missing", "file")
	f.DeniedDir = filepath.Join(dir, "denied")
	must(t, os.Mkdir(f.DeniedDir, 0o700))

	f.HangUnix = f.listen(t, "unix", filepath.Join(dir, "hang.sock"), hang)
	f.GarbageUnix = f.listen(t, "unix", filepath.Join(dir, "garbage.sock"), garbage)
	f.DeniedUnix = f.listen(t, "unix", filepath.Join(f.DeniedDir, "db.sock"), hang)
	f.HangTCP = f.listen(t, "tcp", "127.0.0.1:0", hang)
	f.GarbageTCP = f.listen(t, "tcp", "127.0.0.1:0", garbage)
	f.ClosedTCP = closedTCPAddr(t)

	f.GarbageHTTP = f.httpServer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>502 Bad Gateway from a proxy that is not RabbitMQ</body></html>")
	})
	f.ErrorHTTP = f.httpServer(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"Service Unavailable","reason":"node is booting"}`, http.StatusServiceUnavailable)
	})

	f.UDPSilent = f.udp(t, false)
	f.UDPGarbage = f.udp(t, true)
	f.UDPClosed = closedUDPPort(t)

	f.RabbitCreds = writeFile(t, dir, "rabbit.yaml", "username: guest\npassword: guest\n", 0o600)
	f.RabbitLoose = writeFile(t, dir, "rabbit-loose.yaml", "username: guest\npassword: guest\n", 0o644)
	f.SNMPCreds = writeFile(t, dir, "snmp.yaml", "community: public\n", 0o600)
	f.SNMPLoose = writeFile(t, dir, "snmp-loose.yaml", "community: public\n", 0o644)
	f.NotExec = writeFile(t, dir, "not-executable", "#!/bin/sh\necho hi\n", 0o644)
	f.GarbageExec = writeFile(t, dir, "garbage-program", "#!/bin/sh\ncat >/dev/null\nprintf '\\000\\377{[garbage <not json>\\n'\nexit 0\n", 0o755)
	f.HangExec = writeFile(t, dir, "hang-program", "#!/bin/sh\nexec sleep 600\n", 0o755)

	f.KmodRoot = kmodRoot(t, filepath.Join(dir, "kmod"))
	f.KmodDenied = kmodRoot(t, filepath.Join(f.DeniedDir, "kmod"))
	return f
}

// hang accepts and holds the connection open without a byte, like a
// daemon stuck in a lock.
func hang(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// garbage reads the request, answers junk and closes.
func garbage(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 4096)
	_, _ = c.Read(buf)
	_, _ = c.Write(junk)
	c.Close()
}

func (f *fixture) listen(t *testing.T, network, addr string, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	must(t, err)
	if network == "unix" {
		must(t, os.Chmod(addr, 0o777))
	}
	var mu sync.Mutex
	var conns []net.Conn
	f.closers = append(f.closers, l, closerFunc(func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		return nil
	}))
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go serve(c)
		}
	}()
	if network == "unix" {
		return addr
	}
	return l.Addr().String()
}

func (f *fixture) httpServer(h http.HandlerFunc) string {
	s := httptest.NewServer(h)
	f.closers = append(f.closers, closerFunc(func() error { s.Close(); return nil }))
	return s.URL
}

func (f *fixture) udp(t *testing.T, reply bool) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	f.closers = append(f.closers, pc)
	go func() {
		buf := make([]byte, 65536)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply {
				_, _ = pc.WriteTo(junk, from)
			}
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

func closedTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

func closedUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	return port
}

// kmodRoot copies check_ovs_kmod's debian-match fixture (a host whose
// running and next-boot kernels both have the module) and marks the loaded
// module as an out-of-tree build with a version, so the check has to ask
// OVSDB for the userspace version.
func kmodRoot(t *testing.T, root string) string {
	t.Helper()
	src := filepath.Join(labtest.RepoRoot(t), "plugins", "ovskmod", "testdata", "debian-match", "root")
	must(t, os.MkdirAll(filepath.Dir(root), 0o755))
	if out, err := exec.Command("cp", "-a", src, root).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, root, err, out)
	}
	must(t, os.WriteFile(filepath.Join(root, "sys", "module", "openvswitch", "version"), []byte("2.17.9\n"), 0o644))
	return root
}

func writeFile(t *testing.T, dir, name, data string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	must(t, os.WriteFile(p, []byte(data), mode))
	must(t, os.Chmod(p, mode))
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }
