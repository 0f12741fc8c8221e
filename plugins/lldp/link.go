package lldp

// Link state of the NICs, read from the kernel over rtnetlink (RTM_GETLINK)
// in the network namespace lldpd runs in. lldpcli does not report it, and
// lldpd drops every neighbor of an interface that is not IFF_RUNNING
// (src/daemon/lldpd.c: lldpd_remote_cleanup(..., !(h_flags & IFF_RUNNING))),
// counting them in delete_cnt like a shutdown LLDPDU: without the link state
// a pulled cable looks like an LLDP problem.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// A LinkState is one interface's state as the kernel reports it in
// RTM_NEWLINK (rtnetlink(7), Documentation/networking/operstates.rst).
type LinkState struct {
	Name string
	// Up is IFF_UP: the interface is administratively up.
	Up bool
	// Running is IFF_RUNNING: operationally up (RFC 2863 "up" or "unknown").
	Running bool
	// LowerUp is IFF_LOWER_UP: the driver signals carrier (L1 up).
	LowerUp bool
	// OperState is IFLA_OPERSTATE as the kernel names it: "up", "down",
	// "lowerlayerdown", "dormant", "notpresent", "testing" or "unknown".
	OperState string
}

// LinkDown reports whether the interface cannot carry LLDP frames: not
// administratively up, or up without carrier (not IFF_RUNNING). lldpd treats
// exactly these as down.
func (l LinkState) LinkDown() bool { return !l.Up || !l.Running }

// Why is a short reason for a down link, in the kernel's terms.
func (l LinkState) Why() string {
	if !l.Up {
		return "administratively down, no IFF_UP"
	}
	var w []string
	if !l.LowerUp {
		w = append(w, "no carrier")
	}
	if l.OperState != "" && l.OperState != "up" && l.OperState != "unknown" {
		w = append(w, "operstate "+l.OperState)
	}
	if len(w) == 0 {
		w = append(w, "not IFF_RUNNING")
	}
	return strings.Join(w, ", ")
}

// Links is the link state of every interface, by name, and where it was
// read (e.g. "the network namespace of lldpd pid 42"); Err is why it could
// not be read.
type Links struct {
	ByName map[string]LinkState
	Source string
	Err    error
}

// ReadLinks is a ReadLinksFunc: it reads the link state in the network
// namespace of the lldpd that listens on socket, or in the check's own
// namespace when that lldpd cannot be found.
func ReadLinks(ctx context.Context, socket string) Links {
	path := socketPath(socket)
	pid, inode := lldpdPID(path)
	if pid > 0 && !sameNetns(pid, path, inode) {
		ns, err := netns.GetFromPid(pid)
		if err != nil {
			return Links{Err: fmt.Errorf("cannot open the network namespace of lldpd (pid %d; run the check as root, or in lldpd's namespace): %v", pid, err)}
		}
		defer func() { _ = ns.Close() }()
		h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
		if err != nil {
			return Links{Err: fmt.Errorf("cannot enter the network namespace of lldpd (pid %d; needs root): %v", pid, err)}
		}
		defer h.Close()
		return listLinks(ctx, h, fmt.Sprintf("the network namespace of lldpd pid %d", pid))
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return Links{Err: fmt.Errorf("cannot open an rtnetlink socket: %v", err)}
	}
	defer h.Close()
	return listLinks(ctx, h, "this host")
}

func listLinks(ctx context.Context, h *netlink.Handle, source string) Links {
	if d, ok := ctx.Deadline(); ok {
		if err := h.SetSocketTimeout(time.Until(d)); err != nil {
			return Links{Err: fmt.Errorf("rtnetlink socket timeout: %v", err)}
		}
	}
	list, err := h.LinkList()
	if err != nil {
		return Links{Err: fmt.Errorf("listing the interfaces over rtnetlink in %s: %v", source, err)}
	}
	out := Links{ByName: map[string]LinkState{}, Source: source}
	for _, l := range list {
		a := l.Attrs()
		out.ByName[a.Name] = LinkState{
			Name:      a.Name,
			Up:        a.RawFlags&unix.IFF_UP != 0,
			Running:   a.RawFlags&unix.IFF_RUNNING != 0,
			LowerUp:   a.RawFlags&unix.IFF_LOWER_UP != 0,
			OperState: a.OperState.String(),
		}
	}
	return out
}

// sameNetns reports whether pid shares the check's network namespace: by
// the namespace inode when the check may read it (root, or the same user),
// else by whether the check's own /proc/self/net/unix lists the same socket
// (unix sockets are listed per network namespace). True when lldpd was not
// found: one host-wide lldpd is the common case.
func sameNetns(pid int, path, inode string) bool {
	var self, other syscall.Stat_t
	if syscall.Stat("/proc/self/ns/net", &self) == nil && syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &other) == nil {
		return self.Dev == other.Dev && self.Ino == other.Ino
	}
	got, ok := unixSocketInode("/proc/self/net/unix", path)
	return ok && got == inode
}

// lldpdPID finds the lldpd process that listens on the socket at path: a
// process named lldpd whose network namespace has a unix socket bound to
// that path (/proc/PID/net/unix), and that socket's inode. 0 when none is
// found. SO_PEERCRED does not help: lldpd binds the socket before it
// daemonizes, so the credentials name a process that has exited.
func lldpdPID(path string) (int, string) {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, ""
	}
	for _, p := range procs {
		var pid int
		if _, err := fmt.Sscanf(p.Name(), "%d", &pid); err != nil || pid <= 0 {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "lldpd" {
			continue
		}
		if inode, ok := unixSocketInode(fmt.Sprintf("/proc/%d/net/unix", pid), path); ok {
			return pid, inode
		}
	}
	return 0, ""
}

// socketPath is the absolute path of socket, with the symlinks of its
// directory resolved (/var/run is /run on Debian).
func socketPath(socket string) string {
	abs, err := filepath.Abs(socket)
	if err != nil {
		return socket
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// unixSocketInode returns the inode of the socket bound to path in the
// /proc/net/unix table at file (proc(5)), and whether there is one.
func unixSocketInode(file, path string) (string, bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if UnixSocketPath(sc.Text()) == path {
			if fields := strings.Fields(sc.Text()); len(fields) > 6 {
				return fields[6], true
			}
		}
	}
	return "", false
}

// UnixSocketPath is the path column of one /proc/net/unix line
// ("Num RefCount Protocol Flags Type St Inode Path"), or "" when the line
// has none (an unbound or abstract socket, or the header).
func UnixSocketPath(line string) string {
	rest := line
	// Skip the seven columns before the path; a path with blanks is
	// printed as is, so the path is the whole rest of the line.
	for range 7 {
		rest = strings.TrimLeft(rest, " \t")
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			return ""
		}
		rest = rest[i:]
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "/") {
		return ""
	}
	return rest
}
