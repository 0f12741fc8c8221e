package snmp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"edgecheck/shared/registry"
)

func writeCreds(t *testing.T, mode os.FileMode, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "snmp.yaml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name     string
		protocol string
		file     string // file body; "" means use env
		mode     os.FileMode
		env      map[string]string
		wantErr  string // substring; "" means success
		level    string
	}{
		{name: "v2c file", protocol: "2c", file: "community: s3cret\n", level: "noAuthNoPriv"},
		{name: "v2c env", protocol: "2c", env: map[string]string{EnvCommunity: "s3cret"}},
		{name: "v2c nothing", protocol: "2c", env: map[string]string{}, wantErr: "set SNMP_COMMUNITY"},
		{name: "v2c file without community", protocol: "2c", file: "user: bob\n", wantErr: "add --protocol 3"},
		{name: "group readable file", protocol: "2c", file: "community: x\n", mode: 0o640, wantErr: "chmod 600"},
		{name: "unknown key", protocol: "2c", file: "comunity: x\n", wantErr: "credentials file"},
		{name: "v3 authPriv", protocol: "3", file: "user: u\nauth_protocol: SHA-256\nauth_passphrase: authpass1\npriv_protocol: AES\npriv_passphrase: privpass1\n", level: "authPriv"},
		{name: "v3 authNoPriv", protocol: "3", file: "user: u\nauth_protocol: SHA\nauth_passphrase: authpass1\n", level: "authNoPriv"},
		{name: "v3 noAuthNoPriv", protocol: "3", file: "user: u\n", level: "noAuthNoPriv"},
		{name: "v3 env", protocol: "3", env: map[string]string{EnvUser: "u", EnvAuthProtocol: "sha-512", EnvAuthPassphrase: "authpass1", EnvPrivProtocol: "aes-256", EnvPrivPassphrase: "privpass1"}, level: "authPriv"},
		{name: "v3 without user", protocol: "3", file: "community: x\n", wantErr: "use --protocol 2c"},
		{name: "v3 env without user", protocol: "3", env: map[string]string{}, wantErr: "set SNMP_USER"},
		{name: "v3 auth protocol without passphrase", protocol: "3", file: "user: u\nauth_protocol: SHA\n", wantErr: "go together"},
		{name: "v3 priv without auth", protocol: "3", file: "user: u\npriv_protocol: AES\npriv_passphrase: privpass1\n", wantErr: "needs authentication"},
		{name: "v3 bad auth protocol", protocol: "3", file: "user: u\nauth_protocol: SHA-3\nauth_passphrase: authpass1\n", wantErr: "not one of MD5"},
		{name: "v3 bad priv protocol", protocol: "3", file: "user: u\nauth_protocol: MD5\nauth_passphrase: authpass1\npriv_protocol: 3DES\npriv_passphrase: privpass1\n", wantErr: "not one of DES"},
		{name: "v3 short passphrase", protocol: "3", file: "user: u\nauth_protocol: MD5\nauth_passphrase: short\n", wantErr: "shorter than 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{Host: "h", Port: 161, Protocol: tt.protocol}
			if tt.file != "" {
				mode := tt.mode
				if mode == 0 {
					mode = 0o600
				}
				c.CredentialsFile = writeCreds(t, mode, tt.file)
			} else {
				c.getenv = func(k string) string { return tt.env[k] }
			}
			got, err := c.LoadCredentials()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.level != "" && got.SecurityLevel() != tt.level {
				t.Errorf("level = %s, want %s", got.SecurityLevel(), tt.level)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"ok", Config{Host: "sw1", Port: 161, Protocol: "2c"}, ""},
		{"v3", Config{Host: "sw1", Port: 16161, Protocol: "3"}, ""},
		{"no host", Config{Host: " ", Port: 161, Protocol: "2c"}, "--hostname"},
		{"bad port", Config{Host: "sw1", Port: 0, Protocol: "2c"}, "--port 0"},
		{"bad protocol", Config{Host: "sw1", Port: 161, Protocol: "1"}, "use 2c or 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDeclareSharesOneDeclaration(t *testing.T) {
	fs := registry.NewFlagSet("x")
	var c Config
	c.Declare(fs)
	var names []string
	for _, f := range fs.Declared() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "hostname,port,protocol,credentials-file" {
		t.Fatalf("flags = %s", got)
	}
	if f := fs.Lookup("hostname"); f.Short != "H" || !f.Required {
		t.Errorf("hostname: short %q required %v", f.Short, f.Required)
	}
	if c.Port != 161 || c.Protocol != "2c" {
		t.Errorf("defaults: port %d protocol %s", c.Port, c.Protocol)
	}
}

func TestBudget(t *testing.T) {
	now := time.Unix(1000, 0)
	tests := []struct {
		name        string
		left        time.Duration
		wantRetries int
	}{
		{"10s", 10 * time.Second, 2},
		{"2s", 2 * time.Second, 1},
		{"500ms", 500 * time.Millisecond, 0},
		{"expired", -time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithDeadline(context.Background(), now.Add(tt.left))
			defer cancel()
			timeout, retries, total := Budget(ctx, now)
			if retries != tt.wantRetries {
				t.Errorf("retries = %d, want %d", retries, tt.wantRetries)
			}
			if timeout <= 0 {
				t.Errorf("timeout = %v: gosnmp fails at once with zero", timeout)
			}
			if tt.left > 0 && total >= tt.left {
				t.Errorf("total %v leaves no reserve before the deadline %v", total, tt.left)
			}
			if tt.left > 0 && timeout*time.Duration(retries+1) > total {
				t.Errorf("timeout %v × %d attempts exceeds the budget %v", timeout, retries+1, total)
			}
		})
	}
	if _, _, total := Budget(context.Background(), now); total != registry.DefaultTimeout {
		t.Errorf("no deadline: total %v", total)
	}
}

func TestVar(t *testing.T) {
	if !(Var{Type: gosnmp.NoSuchInstance}).Missing() || !(Var{Type: gosnmp.NoSuchObject}).Missing() {
		t.Error("NoSuch* must be missing")
	}
	if (Var{Type: gosnmp.Integer, Value: 0}).Missing() {
		t.Error("an INTEGER 0 is not missing")
	}
	if n, ok := (Var{Type: gosnmp.Counter64, Value: uint64(1) << 40}).Uint(); !ok || n != 1<<40 {
		t.Errorf("Counter64 = %d %v", n, ok)
	}
	if n, ok := (Var{Type: gosnmp.Counter32, Value: uint(7)}).Uint(); !ok || n != 7 {
		t.Errorf("Counter32 = %d %v", n, ok)
	}
	if n, ok := (Var{Type: gosnmp.TimeTicks, Value: uint32(9)}).Uint(); !ok || n != 9 {
		t.Errorf("TimeTicks = %d %v", n, ok)
	}
	if n, ok := (Var{Type: gosnmp.Integer, Value: -3}).Int(); !ok || n != -3 {
		t.Errorf("Integer = %d %v", n, ok)
	}
	if _, ok := (Var{Type: gosnmp.Integer, Value: -3}).Uint(); ok {
		t.Error("a negative INTEGER is not unsigned")
	}
	if b, ok := (Var{Type: gosnmp.OctetString, Value: []byte("lo")}).Bytes(); !ok || string(b) != "lo" {
		t.Errorf("Bytes = %q %v", b, ok)
	}
	v := Var{OID: ".1.3.6.1.2.1.31.1.1.1.1.7"}
	if idx, ok := v.Index(".1.3.6.1.2.1.31.1.1.1.1"); !ok || idx != "7" {
		t.Errorf("Index = %q %v", idx, ok)
	}
	if _, ok := v.Index(".1.3.6.1.2.1.31.1.1.1.10"); ok {
		t.Error("Index must not match a sibling column with a longer number")
	}
}

func TestExplain(t *testing.T) {
	v2 := &Client{cfg: &Config{Host: "sw1", Port: 161, Protocol: "2c"}, creds: Credentials{Community: "x", source: "environment"}}
	v3 := &Client{cfg: &Config{Host: "sw1", Port: 161, Protocol: "3"}, creds: Credentials{User: "bob", AuthProtocol: "SHA-256", AuthPassphrase: "12345678", PrivProtocol: "AES", PrivPassphrase: "12345678", source: "credentials file /x"}}
	ctx := context.Background()
	tests := []struct {
		name string
		cl   *Client
		err  error
		want string
	}{
		{"silent agent", v2, fmt.Errorf("request timeout (after 2 retries): %w", gosnmp.ErrMaxRetriesExceeded), "no SNMP response from sw1:161 within 9.7s: check the agent, the community and any firewall"},
		{"silent v3 agent", v3, fmt.Errorf("request timeout (after 2 retries): %w", gosnmp.ErrMaxRetriesExceeded), `SNMPv3 user "bob" and its passphrases`},
		{"refused", v2, fmt.Errorf("error reading from socket: %w", &os.SyscallError{Syscall: "read", Err: syscall.ECONNREFUSED}), "nothing listens on UDP port 161"},
		{"wrong digest", v3, gosnmp.ErrWrongDigest, "authentication failed at sw1:161 for user \"bob\" (wrong digest)"},
		{"not authentic", v3, errors.New("incoming packet is not authentic, discarding"), "rejects its auth passphrase"},
		{"decryption", v3, gosnmp.ErrDecryption, "check priv_protocol (AES) and priv_passphrase in credentials file /x"},
		{"unknown user", v3, gosnmp.ErrUnknownUsername, `does not know SNMPv3 user "bob"`},
		{"security level", v3, gosnmp.ErrUnknownSecurityLevel, "refuses security level authPriv"},
		{"other", v2, errors.New("boom"), "SNMP request to sw1:161 failed: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cl.explain(ctx, tt.err, 9700*time.Millisecond)
			if !strings.Contains(got.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			if errors.Is(got, ErrNoResponse) != strings.HasPrefix(tt.name, "silent") {
				t.Errorf("errors.Is(ErrNoResponse) = %v for %q", errors.Is(got, ErrNoResponse), got)
			}
			if strings.Contains(got.Error(), "\n") {
				t.Errorf("message spans lines: %q", got)
			}
		})
	}
	// A short -t leaves well under a second: the message must not say 0s.
	short := v2.explain(ctx, gosnmp.ErrMaxRetriesExceeded, 40*time.Millisecond)
	if !strings.Contains(short.Error(), "within 0.04s:") {
		t.Errorf("short budget: %q", short)
	}
	expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	if err := v2.explain(expired, context.DeadlineExceeded, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a deadline error must keep DeadlineExceeded for the runner: %v", err)
	}
}
