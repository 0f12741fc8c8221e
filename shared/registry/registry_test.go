package registry

import (
	"context"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/nagios"
)

type declCheck struct {
	db      string
	grace   time.Duration
	queues  []string
	enabled bool
	warn    *nagios.Range
	n       int
	f       float64
}

func (c *declCheck) Flags(fs *FlagSet) {
	fs.String(&c.db, "db", "unix:/var/run/openvswitch/db.sock", "OVSDB endpoint.").WithMeta("URL")
	fs.Duration(&c.grace, "grace", 60*time.Second, "Grace period.")
	fs.Strings(&c.queues, "queue", "Queue name.")
	fs.Bool(&c.enabled, "require-master", "Require a master.")
	fs.Range(&c.warn, "warning", "Warning range.").WithShort("w")
	fs.Int(&c.n, "min-consumers", 1, "Minimum consumers.").MarkRequired()
	fs.Float(&c.f, "ratio", 0.5, "A ratio.")
}

func (c *declCheck) Run(context.Context) (*nagios.Result, error) { return &nagios.Result{}, nil }

func TestDeclarationsDriveFlagsAndMetadata(t *testing.T) {
	p := Plugin{Name: "check_decl", Service: "DECL", Description: "d", New: func() Check { return &declCheck{} }}
	flags := p.Flags()
	var names []string
	for _, f := range flags {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, ","), "help,version,timeout,verbose,db,grace,queue,require-master,warning,min-consumers,ratio"; got != want {
		t.Fatalf("declared %s, want %s", got, want)
	}
	byName := map[string]*Flag{}
	for _, f := range flags {
		byName[f.Name] = f
	}
	tests := []struct {
		flag       string
		kind       Kind
		def        string
		required   bool
		threshold  bool
		repeatable bool
	}{
		{"db", KindString, "unix:/var/run/openvswitch/db.sock", false, false, false},
		{"grace", KindDuration, "60", false, false, false},
		{"queue", KindStrings, "", false, false, true},
		{"require-master", KindBool, "false", false, false, false},
		{"warning", KindRange, "", false, true, false},
		{"min-consumers", KindInt, "1", true, false, false},
		{"ratio", KindFloat, "0.5", false, false, false},
		{"timeout", KindDuration, "10", false, false, false},
	}
	for _, tc := range tests {
		f := byName[tc.flag]
		if f.Kind != tc.kind || f.Default != tc.def || f.Required != tc.required || f.Threshold() != tc.threshold || f.Repeatable() != tc.repeatable {
			t.Errorf("--%s = %+v", tc.flag, f)
		}
	}
	if !byName["timeout"].Standard || byName["db"].Standard {
		t.Error("Standard marks only the common flags")
	}
}

func TestFlagValidate(t *testing.T) {
	fs := NewFlagSet("x")
	c := &declCheck{}
	c.Flags(fs)
	tests := []struct {
		flag, value string
		ok          bool
	}{
		{"warning", "10:20", true}, {"warning", "2:1", false}, {"warning", "foo", false},
		{"min-consumers", "3", true}, {"min-consumers", "x", false},
		{"grace", "90", true}, {"grace", "1m30s", true}, {"grace", "soon", false}, {"grace", "-1", false},
		{"grace", "NaN", false}, {"grace", "inf", false}, {"grace", "1e300", false}, {"grace", "1e9", true},
		{"ratio", "0.25", true}, {"ratio", "half", false},
		{"require-master", "true", true}, {"require-master", "maybe", false},
		{"db", "anything", true},
	}
	for _, tc := range tests {
		err := fs.Lookup(tc.flag).Validate(tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("--%s=%q: err=%v, want ok=%v", tc.flag, tc.value, err, tc.ok)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{{"10", 10 * time.Second}, {"2.5", 2500 * time.Millisecond}, {"1m30s", 90 * time.Second}, {"0", 0}}
	for _, tc := range tests {
		got, err := ParseSeconds(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSeconds(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestOneOf(t *testing.T) {
	if err := OneOf("source", "ucd", "auto", "host-resources", "ucd"); err != nil {
		t.Errorf("an allowed word: %v", err)
	}
	for _, tt := range []struct {
		allowed []string
		want    string
	}{
		{[]string{"auto", "host-resources", "ucd"}, `--source "proc": use auto, host-resources or ucd`},
		{[]string{"auto"}, `--source "proc": use auto`},
	} {
		if err := OneOf("source", "proc", tt.allowed...); err == nil || err.Error() != tt.want {
			t.Errorf("OneOf(%q) = %v, want %s", tt.allowed, err, tt.want)
		}
	}
}
