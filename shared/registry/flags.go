package registry

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"edgecheck/shared/nagios"
)

// A Kind is the type of a flag's value, which decides how the generator
// renders it (booleans become set_if, repeatables become repeat_key).
type Kind string

// The flag kinds.
const (
	KindString   Kind = "string"
	KindStrings  Kind = "strings" // repeatable
	KindInt      Kind = "int"
	KindFloat    Kind = "float"
	KindDuration Kind = "duration" // seconds, or a Go duration such as 1m30s
	KindBool     Kind = "bool"
	KindRange    Kind = "range" // a Nagios range expression
)

// A Flag is one flag declaration.
type Flag struct {
	Name     string
	Short    string
	Kind     Kind
	Default  string // as shown in --help and used in generated commands
	Usage    string
	Meta     string // the value's placeholder in --help, e.g. SECONDS
	Required bool
	// Standard marks the flags every check has (-t, -v, -h, -V).
	Standard bool

	value pflag.Value
}

// Threshold reports whether the flag takes a Nagios range.
func (f *Flag) Threshold() bool { return f.Kind == KindRange }

// Repeatable reports whether the flag may be given more than once.
func (f *Flag) Repeatable() bool { return f.Kind == KindStrings }

// Validate checks a value given for this flag in an inventory.
func (f *Flag) Validate(v string) error {
	switch f.Kind {
	case KindRange:
		_, err := nagios.ParseRange(v)
		return err
	case KindInt:
		_, err := strconv.Atoi(v)
		return err
	case KindFloat:
		_, err := strconv.ParseFloat(v, 64)
		return err
	case KindDuration:
		_, err := ParseSeconds(v)
		return err
	case KindBool:
		_, err := strconv.ParseBool(v)
		return err
	case KindCount:
		// A count is how often the switch is given (-vv is 2); pflag's
		// count value also takes --verbose=N.
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("a count takes a whole number such as 1 (-v) or 2 (-vv), not %q", v)
		}
		return nil
	}
	return nil
}

// WithShort sets the one-letter alias.
func (f *Flag) WithShort(s string) *Flag { f.Short = s; return f }

// WithMeta sets the value placeholder shown in --help.
func (f *Flag) WithMeta(m string) *Flag { f.Meta = m; return f }

// MarkRequired makes the runner refuse to run without the flag.
func (f *Flag) MarkRequired() *Flag { f.Required = true; return f }

// A FlagSet collects a plugin's declarations and binds them to pflag.
type FlagSet struct {
	pf       *pflag.FlagSet
	declared []*Flag
}

// NewFlagSet returns an empty FlagSet.
func NewFlagSet(name string) *FlagSet {
	pf := pflag.NewFlagSet(name, pflag.ContinueOnError)
	pf.SortFlags = false
	return &FlagSet{pf: pf}
}

// PFlags exposes the underlying pflag set, for the runner.
func (fs *FlagSet) PFlags() *pflag.FlagSet { return fs.pf }

// Declared returns the declarations in order.
func (fs *FlagSet) Declared() []*Flag { return fs.declared }

// Lookup returns a declaration by long name.
func (fs *FlagSet) Lookup(name string) *Flag {
	for _, f := range fs.declared {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Changed reports whether the flag was given on the command line.
func (fs *FlagSet) Changed(name string) bool { return fs.pf.Changed(name) }

func (fs *FlagSet) add(f *Flag) *Flag {
	fs.declared = append(fs.declared, f)
	// The short alias is attached later by the runner (bind), once the
	// declaration's options have been chained.
	return f
}

// Bind registers every declaration with pflag. The runner calls it after
// the plugin has declared its flags.
func (fs *FlagSet) Bind() {
	for _, f := range fs.declared {
		if fs.pf.Lookup(f.Name) != nil {
			continue
		}
		fl := fs.pf.VarPF(f.value, f.Name, f.Short, f.Usage)
		fl.DefValue = f.Default
		switch f.Kind {
		case KindBool:
			fl.NoOptDefVal = "true"
		case KindCount:
			fl.NoOptDefVal = "+1"
		}
	}
}

// String declares a string flag.
func (fs *FlagSet) String(p *string, name, def, usage string) *Flag {
	*p = def
	return fs.add(&Flag{Name: name, Kind: KindString, Default: def, Usage: usage, Meta: "STRING", value: (*stringValue)(p)})
}

// Strings declares a repeatable string flag.
func (fs *FlagSet) Strings(p *[]string, name, usage string) *Flag {
	return fs.add(&Flag{Name: name, Kind: KindStrings, Usage: usage, Meta: "STRING", value: (*stringsValue)(p)})
}

// Int declares an integer flag.
func (fs *FlagSet) Int(p *int, name string, def int, usage string) *Flag {
	*p = def
	return fs.add(&Flag{Name: name, Kind: KindInt, Default: strconv.Itoa(def), Usage: usage, Meta: "N", value: (*intValue)(p)})
}

// Float declares a decimal flag.
func (fs *FlagSet) Float(p *float64, name string, def float64, usage string) *Flag {
	*p = def
	return fs.add(&Flag{Name: name, Kind: KindFloat, Default: nagios.FormatNumber(def), Usage: usage, Meta: "NUMBER", value: (*floatValue)(p)})
}

// Duration declares a duration flag that takes seconds ("30") or a Go
// duration ("1m30s").
func (fs *FlagSet) Duration(p *time.Duration, name string, def time.Duration, usage string) *Flag {
	*p = def
	return fs.add(&Flag{Name: name, Kind: KindDuration, Default: FormatSeconds(def), Usage: usage, Meta: "SECONDS", value: (*durationValue)(p)})
}

// Bool declares a switch.
func (fs *FlagSet) Bool(p *bool, name, usage string) *Flag {
	*p = false
	return fs.add(&Flag{Name: name, Kind: KindBool, Default: "false", Usage: usage, value: (*boolValue)(p)})
}

// Range declares a threshold flag; *p stays nil unless the flag is given.
func (fs *FlagSet) Range(p **nagios.Range, name, usage string) *Flag {
	return fs.add(&Flag{Name: name, Kind: KindRange, Usage: usage, Meta: "RANGE", value: &rangeValue{p: p}})
}

// maxSeconds bounds durations well inside time.Duration's range (about
// 292 years), where the float conversion would otherwise wrap.
const maxSeconds = 1e9

// ParseSeconds parses "10", "2.5" or a Go duration such as "1m30s".
func ParseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return 0, fmt.Errorf("%q is not a number of seconds", s)
		case v < 0:
			return 0, fmt.Errorf("%q is negative", s)
		case v > maxSeconds:
			return 0, fmt.Errorf("%q is more than %d seconds", s, int64(maxSeconds))
		}
		return time.Duration(v * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither seconds nor a duration like 1m30s", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// FormatSeconds renders a duration as whole or decimal seconds.
func FormatSeconds(d time.Duration) string {
	return nagios.FormatNumber(d.Seconds())
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Type() string       { return "string" }

type stringsValue []string

func (v *stringsValue) Set(s string) error { *v = append(*v, s); return nil }
func (v *stringsValue) String() string     { return strings.Join(*v, ",") }
func (v *stringsValue) Type() string       { return "strings" }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }
func (v *intValue) Type() string   { return "int" }

type floatValue float64

func (v *floatValue) Set(s string) error {
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	*v = floatValue(n)
	return nil
}
func (v *floatValue) String() string { return nagios.FormatNumber(float64(*v)) }
func (v *floatValue) Type() string   { return "float" }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := ParseSeconds(s)
	if err != nil {
		return err
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return FormatSeconds(time.Duration(*v)) }
func (v *durationValue) Type() string   { return "seconds" }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) Type() string     { return "bool" }
func (v *boolValue) IsBoolFlag() bool { return true }

type rangeValue struct{ p **nagios.Range }

func (v *rangeValue) Set(s string) error {
	r, err := nagios.ParseRange(s)
	if err != nil {
		return err
	}
	*v.p = &r
	return nil
}
func (v *rangeValue) String() string {
	if *v.p == nil {
		return ""
	}
	return (*v.p).String()
}
func (v *rangeValue) Type() string { return "range" }

// KindCount is a repeatable switch that counts (-vvv).
const KindCount Kind = "count"

// DefaultTimeout is the whole-run limit when -t is not given.
const DefaultTimeout = 10 * time.Second

// Standard holds the flags every check has.
type Standard struct {
	Help    bool
	Version bool
	Timeout time.Duration
	Verbose int
}

// DeclareStandard declares -h, -V, -t and -v. The generator sees the same
// declarations, so --timeout shows up in generated commands.
func (fs *FlagSet) DeclareStandard(s *Standard) {
	fs.Bool(&s.Help, "help", "Print this help and exit UNKNOWN (3), as monitoring plugins do, so a command line that ends up at --help never shows OK.").WithShort("h").Standard = true
	fs.Bool(&s.Version, "version", "Print the version and exit UNKNOWN (3).").WithShort("V").Standard = true
	fs.Duration(&s.Timeout, "timeout", DefaultTimeout, "Abort the whole run with UNKNOWN after this many seconds, naming the stage it was in.").WithShort("t").Standard = true
	s.Verbose = 0
	fs.add(&Flag{Name: "verbose", Short: "v", Kind: KindCount, Default: "0", Standard: true,
		Usage: "More detail in the long output; repeat for more (-vvv also prints a panic's stack to stderr).",
		value: (*countValue)(&s.Verbose)})
}

type countValue int

func (v *countValue) Set(s string) error {
	if s == "+1" {
		*v++
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a count", s)
	}
	*v = countValue(n)
	return nil
}
func (v *countValue) String() string { return strconv.Itoa(int(*v)) }
func (v *countValue) Type() string   { return "count" }

// OneOf checks the value of a flag that takes one of a few words (e.g.
// --source): nil when value is one of allowed, else an error naming the
// flag, the value and the words in the order given, such as
// `--source "x": use auto, host-resources or ucd`.
func OneOf(flag, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	words := allowed[len(allowed)-1]
	if n := len(allowed); n > 1 {
		words = strings.Join(allowed[:n-1], ", ") + " or " + words
	}
	return fmt.Errorf("--%s %q: use %s", flag, value, words)
}
