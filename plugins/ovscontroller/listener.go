package ovscontroller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// probeTimeout bounds one listener probe inside the run's --timeout.
const probeTimeout = 2 * time.Second

// ofptHello is OpenFlow's OFPT_HELLO message type; ovs-vswitchd sends a
// hello first on every accepted OpenFlow connection (lib/vconn.c), in any
// OpenFlow version (header byte 0 is 0x01..0x06).
const ofptHello = 0

// probeListener verifies a passive target on this host, which OVS itself
// does not report for passive controllers (role [], status {}) nor for
// punix: managers (no bound_port). It connects to the address the target
// listens on: for a controller target (daemon ovs-vswitchd) that is not
// pssl:, the peer must send an OpenFlow hello, so a port held by another
// process is not taken for ovs-vswitchd's listener. The probe is an
// ordinary client connection, which ovs-vswitchd logs and drops when it is
// closed.
func probeListener(ctx context.Context, target, daemon string) listenerCheck {
	network, addr, ok := listenAddress(target)
	if !ok {
		return listenerCheck{Detail: "cannot tell where " + target + " listens"}
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOENT) {
			return listenerCheck{Known: true, Detail: fmt.Sprintf("nothing listens on %s %s (%s could not bind it?); see %s.log", network, addr, daemon, daemon)}
		}
		return listenerCheck{Detail: fmt.Sprintf("could not probe %s %s: %v", network, addr, err)}
	}
	defer conn.Close()
	if daemon != "ovs-vswitchd" || strings.HasPrefix(target, "pssl:") {
		return listenerCheck{Known: true, Listening: true, Detail: fmt.Sprintf("accepts connections on %s %s", network, addr)}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var hdr [8]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil || hdr[0] < 1 || hdr[0] > 6 || hdr[1] != ofptHello {
		return listenerCheck{Known: true, Detail: fmt.Sprintf("%s %s accepts connections but sends no OpenFlow hello: another process holds the address and ovs-vswitchd could not bind it (Address already in use?)", network, addr)}
	}
	return listenerCheck{Known: true, Listening: true, Detail: fmt.Sprintf("answers OpenFlow on %s %s", network, addr)}
}

// listenAddress turns a passive target into the address a client on this
// host dials: ptcp:PORT[:IP], pssl:PORT[:IP] (no IP, 0.0.0.0 or :: means
// every address, dialled on loopback) or punix:PATH.
func listenAddress(target string) (network, addr string, ok bool) {
	kind, rest, _ := strings.Cut(target, ":")
	switch kind {
	case "punix":
		return "unix", rest, rest != ""
	case "ptcp", "pssl":
		port, ip, _ := strings.Cut(rest, ":")
		if port == "" {
			return "", "", false
		}
		ip = strings.Trim(ip, "[]")
		switch ip {
		case "", "0.0.0.0":
			ip = "127.0.0.1"
		case "::":
			ip = "::1"
		}
		return "tcp", net.JoinHostPort(ip, port), true
	}
	return "", "", false
}
