// Package snmptest serves captured SNMP walks to unit tests through the
// snmp.Getter interface. It is for unit tests only: integration tests talk
// to the lab's real snmpd.
//
// A capture is the output of net-snmp's tools with numeric OIDs and octet
// strings in hex, as the lab records it:
//
//	snmpwalk -v2c -c COMMUNITY -On -Ox HOST:PORT OID > testdata/NAME.walk
package snmptest

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gosnmp/gosnmp"

	"edgecheck/shared/snmp"
)

// An Agent is an in-memory agent holding a fixed set of variables.
type Agent struct {
	mu   sync.Mutex
	vars []snmp.Var // sorted by OID
	// Err, when set, is returned by every request (a dead agent).
	Err error
	// Requests records each request as "get OID..." or "walk ROOT".
	Requests []string
}

// New returns an agent serving vars.
func New(vars ...snmp.Var) *Agent {
	a := &Agent{}
	a.Set(vars...)
	return a
}

// Set adds or replaces variables.
func (a *Agent) Set(vars ...snmp.Var) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range vars {
		v.OID = "." + strings.Trim(v.OID, ".")
		replaced := false
		for i := range a.vars {
			if a.vars[i].OID == v.OID {
				a.vars[i] = v
				replaced = true
			}
		}
		if !replaced {
			a.vars = append(a.vars, v)
		}
	}
	sort.Slice(a.vars, func(i, j int) bool { return Less(a.vars[i].OID, a.vars[j].OID) })
}

// Delete removes every variable under prefix (or the exact OID).
func (a *Agent) Delete(prefix string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	prefix = "." + strings.Trim(prefix, ".")
	out := a.vars[:0]
	for _, v := range a.vars {
		if v.OID != prefix && !strings.HasPrefix(v.OID, prefix+".") {
			out = append(out, v)
		}
	}
	a.vars = out
}

// Less orders OIDs numerically, as agents do.
func Less(a, b string) bool {
	pa := strings.Split(strings.Trim(a, "."), ".")
	pb := strings.Split(strings.Trim(b, "."), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.ParseUint(pa[i], 10, 64)
		y, _ := strconv.ParseUint(pb[i], 10, 64)
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// Get returns each OID's value, or NoSuchInstance.
func (a *Agent) Get(_ context.Context, oids ...string) ([]snmp.Var, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Requests = append(a.Requests, "get "+strings.Join(oids, " "))
	if a.Err != nil {
		return nil, a.Err
	}
	out := make([]snmp.Var, 0, len(oids))
	for _, oid := range oids {
		oid = "." + strings.Trim(oid, ".")
		found := snmp.Var{OID: oid, Type: gosnmp.NoSuchInstance}
		for _, v := range a.vars {
			if v.OID == oid {
				found = v
			}
		}
		out = append(out, found)
	}
	return out, nil
}

// Walk returns every variable under root.
func (a *Agent) Walk(_ context.Context, root string) ([]snmp.Var, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Requests = append(a.Requests, "walk "+root)
	if a.Err != nil {
		return nil, a.Err
	}
	root = "." + strings.Trim(root, ".")
	var out []snmp.Var
	for _, v := range a.vars {
		if strings.HasPrefix(v.OID, root+".") {
			out = append(out, v)
		}
	}
	return out, nil
}

// Close does nothing.
func (a *Agent) Close() error { return nil }

// Dialer returns a snmp.Dialer that hands out this agent. It still loads
// and checks the credentials, as the real Dial does.
func (a *Agent) Dialer() snmp.Dialer {
	return func(_ context.Context, c *snmp.Config) (snmp.Getter, error) {
		if _, err := c.LoadCredentials(); err != nil {
			return nil, err
		}
		return a, nil
	}
}

// Load reads a capture file.
func Load(t testing.TB, path string) *Agent {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars, err := Parse(string(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return New(vars...)
}

// Parse reads `snmpwalk -On -Ox` output.
func Parse(text string) ([]snmp.Var, error) {
	var out []snmp.Var
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, ".") || len(lines) == 0 {
			lines = append(lines, l)
		} else {
			// A hex string wraps onto continuation lines.
			lines[len(lines)-1] += " " + l
		}
	}
	for n, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		oid, val, ok := strings.Cut(l, " = ")
		if !ok {
			return nil, fmt.Errorf("record %d: no ` = ` in %q", n+1, l)
		}
		v, err := parseValue(val)
		if err != nil {
			return nil, fmt.Errorf("record %d (%s): %v", n+1, oid, err)
		}
		v.OID = oid
		out = append(out, v)
	}
	return out, nil
}

func parseValue(s string) (snmp.Var, error) {
	s = strings.TrimSpace(s)
	if s == `""` {
		return snmp.Var{Type: gosnmp.OctetString, Value: []byte{}}, nil
	}
	typ, val, ok := strings.Cut(s, ": ")
	if !ok {
		typ, val = strings.TrimSuffix(s, ":"), ""
	}
	val = strings.TrimSpace(val)
	num := func() (uint64, error) { return strconv.ParseUint(val, 10, 64) }
	switch typ {
	case "INTEGER":
		n, err := strconv.Atoi(val)
		return snmp.Var{Type: gosnmp.Integer, Value: n}, err
	case "Hex-STRING":
		b, err := hex.DecodeString(strings.Join(strings.Fields(val), ""))
		return snmp.Var{Type: gosnmp.OctetString, Value: b}, err
	case "STRING":
		return snmp.Var{Type: gosnmp.OctetString, Value: []byte(strings.Trim(val, `"`))}, nil
	case "Counter32", "Gauge32":
		n, err := num()
		t := gosnmp.Counter32
		if typ == "Gauge32" {
			t = gosnmp.Gauge32
		}
		return snmp.Var{Type: t, Value: uint(n)}, err
	case "Counter64":
		n, err := num()
		return snmp.Var{Type: gosnmp.Counter64, Value: n}, err
	case "Timeticks":
		inner := strings.TrimPrefix(strings.SplitN(val, ")", 2)[0], "(")
		n, err := strconv.ParseUint(inner, 10, 32)
		return snmp.Var{Type: gosnmp.TimeTicks, Value: uint32(n)}, err
	case "OID":
		return snmp.Var{Type: gosnmp.ObjectIdentifier, Value: val}, nil
	case "IpAddress":
		return snmp.Var{Type: gosnmp.IPAddress, Value: val}, nil
	case "No Such Instance currently exists at this OID":
		return snmp.Var{Type: gosnmp.NoSuchInstance}, nil
	case "No Such Object available on this agent at this OID":
		return snmp.Var{Type: gosnmp.NoSuchObject}, nil
	}
	return snmp.Var{}, fmt.Errorf("unsupported value %q", s)
}

// OctetString, Integer, Counter64 and TimeTicks build variables for tests.
func OctetString(oid string, b []byte) snmp.Var {
	return snmp.Var{OID: oid, Type: gosnmp.OctetString, Value: b}
}

// Integer builds an INTEGER variable.
func Integer(oid string, n int) snmp.Var { return snmp.Var{OID: oid, Type: gosnmp.Integer, Value: n} }

// Counter64 builds a Counter64 variable.
func Counter64(oid string, n uint64) snmp.Var {
	return snmp.Var{OID: oid, Type: gosnmp.Counter64, Value: n}
}

// Counter32 builds a Counter32 variable.
func Counter32(oid string, n uint32) snmp.Var {
	return snmp.Var{OID: oid, Type: gosnmp.Counter32, Value: uint(n)}
}

// Gauge32 builds a Gauge32 variable.
func Gauge32(oid string, n uint32) snmp.Var {
	return snmp.Var{OID: oid, Type: gosnmp.Gauge32, Value: uint(n)}
}

// TimeTicks builds a TimeTicks variable.
func TimeTicks(oid string, n uint32) snmp.Var {
	return snmp.Var{OID: oid, Type: gosnmp.TimeTicks, Value: n}
}
