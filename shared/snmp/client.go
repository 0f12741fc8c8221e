package snmp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/gosnmp/gosnmp"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// A Var is one variable binding. A missing OID is not an error in SNMP: it
// comes back as a Var whose Missing method is true.
type Var struct {
	OID   string // numeric with a leading dot, as gosnmp returns it
	Type  gosnmp.Asn1BER
	Value any
}

// Missing reports whether the agent has no such object or instance.
func (v Var) Missing() bool {
	switch v.Type {
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
		return true
	}
	return false
}

// Bytes returns an OCTET STRING's bytes.
func (v Var) Bytes() ([]byte, bool) {
	if v.Type != gosnmp.OctetString {
		return nil, false
	}
	b, ok := v.Value.([]byte)
	return b, ok
}

// Int returns an INTEGER, or an unsigned value that fits.
func (v Var) Int() (int64, bool) {
	switch v.Type {
	case gosnmp.Integer:
		n, ok := v.Value.(int)
		return int64(n), ok
	case gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Uinteger32, gosnmp.Counter64:
		u, ok := v.Uint()
		if !ok || u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	}
	return 0, false
}

// Uint returns a Counter32, Gauge32, TimeTicks, Unsigned32 or Counter64, or
// a non-negative INTEGER.
func (v Var) Uint() (uint64, bool) {
	switch v.Type {
	case gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Uinteger32:
		n, ok := v.Value.(uint)
		if ok {
			return uint64(n), true
		}
		n32, ok := v.Value.(uint32)
		return uint64(n32), ok
	case gosnmp.Counter64:
		n, ok := v.Value.(uint64)
		return n, ok
	case gosnmp.Integer:
		n, ok := v.Value.(int)
		if !ok || n < 0 {
			return 0, false
		}
		return uint64(n), true
	}
	return 0, false
}

// Index returns the part of the OID after root (".1.3.6.1.2.1.31.1.1.1.1"
// and ".1.3.6.1.2.1.31.1.1.1.1.7" give "7").
func (v Var) Index(root string) (string, bool) {
	root = "." + strings.Trim(root, ".")
	oid := "." + strings.Trim(v.OID, ".")
	if !strings.HasPrefix(oid, root+".") {
		return "", false
	}
	return oid[len(root)+1:], true
}

// ErrNoResponse matches (errors.Is) the error for an agent that did not
// answer within the run's time.
var ErrNoResponse = errors.New("no SNMP response")

type noResponse string

func (e noResponse) Error() string        { return string(e) }
func (e noResponse) Is(target error) bool { return target == ErrNoResponse }

// NoResponse returns an error carrying msg that matches ErrNoResponse; fake
// agents in unit tests use it too.
func NoResponse(msg string) error { return noResponse(msg) }

// A Getter is what the checks need from an agent. Client implements it
// against a real agent; unit tests substitute a fake.
type Getter interface {
	// Get reads the given OIDs in one request.
	Get(ctx context.Context, oids ...string) ([]Var, error)
	// Walk reads the subtree under root with GETBULK.
	Walk(ctx context.Context, root string) ([]Var, error)
	Close() error
}

// A Dialer opens a Getter; checks keep one in a field so unit tests can
// swap it.
type Dialer func(ctx context.Context, c *Config) (Getter, error)

// Open names the stage ("preparing the SNMP client for HOST:PORT", for a
// timeout message) and opens the agent of c with d. The caller closes the
// Getter.
func (d Dialer) Open(ctx context.Context, c *Config) (Getter, error) {
	nagios.SetStage(ctx, "preparing the SNMP client for "+c.Address())
	return d(ctx, c)
}

// A Client talks to one agent with gosnmp.
type Client struct {
	cfg   *Config
	creds Credentials
	g     *gosnmp.GoSNMP
}

// Dial loads the credentials and prepares a client. SNMP is UDP, so no
// packet is sent before the first request.
func Dial(ctx context.Context, c *Config) (Getter, error) {
	creds, err := c.LoadCredentials()
	if err != nil {
		return nil, err
	}
	g := &gosnmp.GoSNMP{
		Target:             c.Host,
		Port:               uint16(c.Port),
		Transport:          "udp",
		Version:            gosnmp.Version2c,
		Community:          creds.Community,
		Timeout:            time.Second,
		MaxOids:            gosnmp.MaxOids,
		MaxRepetitions:     50,
		ExponentialTimeout: false,
		Context:            ctx,
	}
	if c.v3() {
		g.Version = gosnmp.Version3
		g.SecurityModel = gosnmp.UserSecurityModel
		usm := &gosnmp.UsmSecurityParameters{UserName: creds.User}
		g.MsgFlags = gosnmp.NoAuthNoPriv
		if creds.AuthPassphrase != "" {
			usm.AuthenticationProtocol, _ = authProtocol(creds.AuthProtocol)
			usm.AuthenticationPassphrase = creds.AuthPassphrase
			g.MsgFlags = gosnmp.AuthNoPriv
		} else {
			usm.AuthenticationProtocol = gosnmp.NoAuth
		}
		if creds.PrivPassphrase != "" {
			usm.PrivacyProtocol, _ = privProtocol(creds.PrivProtocol)
			usm.PrivacyPassphrase = creds.PrivPassphrase
			g.MsgFlags = gosnmp.AuthPriv
		} else {
			usm.PrivacyProtocol = gosnmp.NoPriv
		}
		g.SecurityParameters = usm
	}
	if err := g.Connect(); err != nil {
		return nil, fmt.Errorf("cannot reach SNMP agent %s: %v (check the host name and that it resolves)", c.Address(), err)
	}
	return &Client{cfg: c, creds: creds, g: g}, nil
}

// Close releases the socket.
func (cl *Client) Close() error {
	if cl.g.Conn == nil {
		return nil
	}
	return cl.g.Conn.Close()
}

// reserve is kept back from the run's deadline so that a silent agent is
// reported by the check's own message rather than by the runner's timeout.
const reserve = 300 * time.Millisecond

// Budget splits the time left before ctx's deadline into a per-request
// timeout and a retry count: gosnmp spends Timeout × (Retries+1) on a silent
// agent, and that must fit in the run. A zero Timeout would make gosnmp fail
// at once, so there is always a positive timeout.
func Budget(ctx context.Context, now time.Time) (timeout time.Duration, retries int, total time.Duration) {
	total = registry.DefaultTimeout
	if dl, ok := ctx.Deadline(); ok {
		left := dl.Sub(now)
		total = left - min(reserve, left/5)
	}
	if total < 10*time.Millisecond {
		total = 10 * time.Millisecond
	}
	switch {
	case total >= 3*time.Second:
		retries = 2
	case total >= time.Second:
		retries = 1
	}
	return total / time.Duration(retries+1), retries, total
}

func (cl *Client) prepare(ctx context.Context) time.Duration {
	timeout, retries, total := Budget(ctx, time.Now())
	cl.g.Context = ctx
	cl.g.Timeout = timeout
	cl.g.Retries = retries
	return total
}

// Get reads oids in one request.
func (cl *Client) Get(ctx context.Context, oids ...string) ([]Var, error) {
	total := cl.prepare(ctx)
	pkt, err := cl.g.Get(oids)
	if err != nil {
		return nil, cl.explain(ctx, err, total)
	}
	if pkt.Error != gosnmp.NoError {
		return nil, cl.pduError(pkt, oids)
	}
	return convert(pkt.Variables), nil
}

// Walk reads a subtree with GETBULK.
func (cl *Client) Walk(ctx context.Context, root string) ([]Var, error) {
	total := cl.prepare(ctx)
	pdus, err := cl.g.BulkWalkAll(root)
	if err != nil {
		return nil, cl.explain(ctx, err, total)
	}
	return convert(pdus), nil
}

func convert(pdus []gosnmp.SnmpPDU) []Var {
	out := make([]Var, len(pdus))
	for i, p := range pdus {
		out[i] = Var{OID: p.Name, Type: p.Type, Value: p.Value}
	}
	return out
}

func (cl *Client) pduError(pkt *gosnmp.SnmpPacket, oids []string) error {
	who := "the community"
	if cl.cfg.v3() {
		who = fmt.Sprintf("SNMPv3 user %q at level %s", cl.creds.User, cl.creds.SecurityLevel())
	}
	what := oids[0]
	if len(oids) > 1 {
		what += fmt.Sprintf(" and %d more", len(oids)-1)
	}
	return fmt.Errorf("SNMP agent %s answered %v for %s: check that %s may read these objects (the agent's rocommunity/rouser line, its auth|priv level and view)",
		cl.cfg.Address(), pkt.Error, what, who)
}

// explain turns gosnmp's errors into one line a first responder can act on.
func (cl *Client) explain(ctx context.Context, err error, total time.Duration) error {
	addr := cl.cfg.Address()
	who := "the community"
	if cl.cfg.v3() {
		who = fmt.Sprintf("SNMPv3 user %q and its passphrases", cl.creds.User)
	}
	src := cl.creds.source
	switch {
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return fmt.Errorf("SNMP agent %s does not know SNMPv3 user %q: check `user` in %s and the agent's createUser/rouser lines", addr, cl.creds.User, src)
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return fmt.Errorf("SNMPv3 authentication failed at %s for user %q (wrong digest): check auth_protocol (%s) and auth_passphrase in %s against the agent's user", addr, cl.creds.User, cl.creds.AuthProtocol, src)
	case errors.Is(err, gosnmp.ErrDecryption):
		return fmt.Errorf("SNMPv3 decryption failed at %s for user %q: check priv_protocol (%s) and priv_passphrase in %s against the agent's user", addr, cl.creds.User, cl.creds.PrivProtocol, src)
	case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
		return fmt.Errorf("SNMP agent %s refuses security level %s for user %q: give the passphrases the agent requires (rouser %s auth|priv) in %s", addr, cl.creds.SecurityLevel(), cl.creds.User, cl.creds.User, src)
	case errors.Is(err, gosnmp.ErrNotInTimeWindow):
		return fmt.Errorf("SNMP agent %s rejected the request as outside its time window: the agent's engine boots/time changed; retry, and check the agent's persistent engine data", addr)
	case errors.Is(err, gosnmp.ErrUnknownEngineID), errors.Is(err, gosnmp.ErrUnknownSecurityModels), errors.Is(err, gosnmp.ErrInvalidMsgs), errors.Is(err, gosnmp.ErrUnknownPDUHandlers), errors.Is(err, gosnmp.ErrUnknownReportPDU):
		return fmt.Errorf("SNMP agent %s rejected the SNMPv3 request (%v): check that it is an SNMPv3 agent and the user's settings in %s", addr, err, src)
	case strings.Contains(err.Error(), "not authentic"):
		// gosnmp drops the agent's usmStatsWrongDigests or
		// usmStatsUnknownUserNames report as unauthenticated and says so.
		return fmt.Errorf("SNMPv3 authentication failed at %s for user %q: the agent does not know the user or rejects its auth passphrase; check user, auth_protocol (%s) and auth_passphrase in %s against the agent's createUser line", addr, cl.creds.User, cl.creds.AuthProtocol, src)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("SNMP agent %s refused the request (ICMP port unreachable): nothing listens on UDP port %d there; check that snmpd runs and its agentAddress", addr, cl.cfg.Port)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot resolve SNMP agent host %s: %v", cl.cfg.Host, dnsErr)
	}
	timedOut := errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || strings.Contains(err.Error(), "timeout")
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		// The run's deadline: keep DeadlineExceeded so the runner names the stage.
		return fmt.Errorf("no SNMP response from %s: check the agent, %s and any firewall: %w", addr, who, context.DeadlineExceeded)
	}
	if timedOut {
		// Tenths of a second, but not so coarse that a short -t reads "0s".
		unit := 100 * time.Millisecond
		if total < time.Second {
			unit = 10 * time.Millisecond
		}
		return NoResponse(fmt.Sprintf("no SNMP response from %s within %ss: check the agent, %s and any firewall", addr, registry.FormatSeconds(total.Round(unit)), who))
	}
	return fmt.Errorf("SNMP request to %s failed: %v", addr, err)
}
