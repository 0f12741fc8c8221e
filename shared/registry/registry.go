// Package registry is the catalogue of checks. Each plugin registers itself
// in init(), and its flag declarations are the one source of truth for the
// binary's flags, its --help, the generated Nagios and Icinga 2 commands and
// the generator's inventory validation.
package registry

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"edgecheck/shared/faults"
	"edgecheck/shared/nagios"
)

// A Check is one configured run of a plugin. Flags binds its configuration
// to a FlagSet; Run does the work. Run returns an error for a failure of the
// check itself (UNKNOWN); the monitored component's state goes in the Result.
type Check interface {
	Flags(fs *FlagSet)
	Run(ctx context.Context) (*nagios.Result, error)
}

// A Validator is a Check that validates its configuration before any I/O.
type Validator interface {
	Validate() error
}

// An Example is a command line shown in --help and in the README.
type Example struct {
	Command string
	Explain string
}

// A Plugin describes one check binary.
type Plugin struct {
	Name        string // binary name, e.g. check_ovs_controller
	Service     string // first word of line 1, e.g. OVS_CONTROLLER
	Description string // one paragraph for --help
	Examples    []Example
	// RunsOn says where the check usually runs, e.g. "hypervisor" or
	// "monitoring-server"; the generator uses it for agent snippets.
	RunsOn string
	// Catches says in one line what goes wrong that the check catches, and
	// Source where it reads the truth (the MIB, the OVSDB tables, the API):
	// the two columns of the top-level README's table of checks.
	Catches, Source string
	// New returns a check with its defaults set.
	New func() Check
}

// Flags returns the plugin's flag declarations in order, the standard
// flags (-h, -V, -t, -v) first.
func (p Plugin) Flags() []*Flag {
	_, fs, _ := p.Configure()
	return fs.Declared()
}

// Configure returns a new check of the plugin (New) with its flags bound
// on a new FlagSet, the standard flags first, and the standard flags'
// values: what the runner parses a command line into. Every flag holds
// its default until the FlagSet's PFlags parse.
func (p Plugin) Configure() (Check, *FlagSet, *Standard) {
	c := p.New()
	fs := NewFlagSet(p.Name)
	std := &Standard{}
	fs.DeclareStandard(std)
	c.Flags(fs)
	fs.Bind()
	return c, fs, std
}

var (
	mu      sync.Mutex
	plugins = map[string]Plugin{}
)

// Register adds a plugin. It panics on a duplicate or incomplete plugin,
// which is a programming error caught by the first test run.
func Register(p Plugin) {
	mu.Lock()
	defer mu.Unlock()
	if p.Name == "" || p.Service == "" || p.New == nil {
		panic(fmt.Sprintf("registry: plugin %q is incomplete", p.Name))
	}
	if _, dup := plugins[p.Name]; dup {
		panic(fmt.Sprintf("registry: plugin %q registered twice", p.Name))
	}
	plugins[p.Name] = p
}

// Lookup returns a registered plugin by name.
func Lookup(name string) (Plugin, bool) {
	mu.Lock()
	defer mu.Unlock()
	p, ok := plugins[name]
	return p, ok
}

// All returns every registered plugin sorted by name.
func All() []Plugin {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Plugin, 0, len(plugins))
	for _, p := range plugins {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FaultCases returns a plugin's fault-matrix cases for a fixture.
type FaultCases func(*faults.Fixture) []faults.Case

var faultCases = map[string]FaultCases{}

// RegisterFaults records a plugin's fault-matrix cases. A plugin calls it
// from the init() of its own faults.go, so that its failure cases live in
// its folder; tests/faultmatrix runs them, and plugins/all fails for a
// registered plugin without any.
func RegisterFaults(name string, cases FaultCases) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := faultCases[name]; dup {
		panic(fmt.Sprintf("registry: fault cases of %q registered twice", name))
	}
	faultCases[name] = cases
}

// Faults returns a plugin's fault-matrix cases (nil if it has none).
func Faults(name string) FaultCases {
	mu.Lock()
	defer mu.Unlock()
	return faultCases[name]
}
