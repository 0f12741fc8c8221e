package inventory

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultAPIPort is the port of Icinga 2's ApiListener (the cluster and
// REST API port, "bind_port" in the Icinga 2 object reference).
const DefaultAPIPort = 5665

// A rawServer is one entry of env.yaml's servers list: a bare hostname,
// or a mapping {name, address, port}.
type rawServer struct {
	name    *Node
	address string
	addrPos Pos
	port    int
}

// decodeServer reads one servers entry. The mapping form gives the
// address (IP address or DNS name) and the Icinga 2 API port other nodes
// dial; both are optional.
func (l *loader) decodeServer(it *Node) (rawServer, bool) {
	rs := rawServer{port: DefaultAPIPort}
	switch it.Kind {
	case Scalar:
		rs.name = it
	case Map:
		for _, k := range it.Keys {
			if !slices.Contains([]string{"name", "address", "port"}, k.Value) {
				l.el.add(k.Pos, "unknown key %q in a server (known: name, address, port)", k.Value)
			}
		}
		rs.name = it.Get("name")
		if rs.name == nil || rs.name.Kind != Scalar {
			l.el.add(it.Pos, "a server mapping needs name: HOSTNAME")
			return rs, false
		}
		if a := it.Get("address"); a != nil {
			s, ok := scalar(a, &l.el, "a server's address")
			if !ok {
				return rs, false
			}
			if s == "" || badName(strings.ReplaceAll(s, ":", "_")) != "" {
				l.el.add(a.Pos, "invalid address %q of server %s: an address is an IP address or a DNS name", s, rs.name.Value)
				return rs, false
			}
			rs.address, rs.addrPos = s, a.Pos
		}
		if p := it.Get("port"); p != nil {
			v := intAtLeast(p, &l.el, "a server's port", 1)
			if !v.set {
				return rs, false
			}
			if v.v > 65535 {
				l.el.add(p.Pos, "a server's port must be at most 65535, not %d", v.v)
				return rs, false
			}
			rs.port = v.v
		}
	default:
		l.el.add(it.Pos, "a server must be a hostname or a mapping {name, address, port}, not %s", it.Kind)
		return rs, false
	}
	return rs, checkName(rs.name, "server", &l.el)
}

// Dial is what another Icinga 2 node needs to connect to this server:
// "host:port", or "" when the inventory gives no address.
func (s *Server) Dial() string {
	if s.Address == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", s.Address, s.Port)
}
