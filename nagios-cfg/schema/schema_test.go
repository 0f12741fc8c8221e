package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/internal/testplugins"
	"edgecheck/nagios-cfg/inventory"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/registry"
)

const schemaDir = "."

var kinds = []string{KindDefaults, KindEnv, KindCell}

// kindOf maps an inventory file name to its schema kind.
func kindOf(path string) string {
	switch filepath.Base(path) {
	case inventory.DefaultsFile:
		return KindDefaults
	case inventory.EnvFile:
		return KindEnv
	case inventory.CellFile:
		return KindCell
	}
	return ""
}

func compile(t *testing.T, kind string) *jsonschema.Schema {
	t.Helper()
	return compileFor(t, kind, registry.All())
}

func compileFor(t *testing.T, kind string, plugins []registry.Plugin) *jsonschema.Schema {
	t.Helper()
	b, err := Generate(kind, plugins)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	url := kind + ".schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s schema does not compile: %v", kind, err)
	}
	return s
}

// instance turns YAML into the value the JSON Schema library validates.
func instance(t *testing.T, src []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSchemaUpToDate: the committed schemas are what the generator writes
// from the inventory's setting keys and the plugin registry.
// TestReadmeSettingsUpToDate: the settings table of nagios-cfg/README.md
// is what the generator writes, and a stale table is caught.
func TestReadmeSettingsUpToDate(t *testing.T) {
	src, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := UpdateReadme(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(src) {
		t.Error("the settings table of nagios-cfg/README.md is stale: run go generate ./nagios-cfg/schema")
	}
	stale := strings.Replace(string(src), "| `check_interval` |", "| `check_intervals` |", 1)
	if got, _ := UpdateReadme(stale); got == stale {
		t.Error("UpdateReadme left a changed settings row as it was")
	}
	if _, err := UpdateReadme("no markers"); err == nil {
		t.Error("a README without the settings markers was accepted")
	}
}

func TestSchemaUpToDate(t *testing.T) {
	for _, k := range kinds {
		want, err := Generate(k, registry.All())
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(schemaDir, k+".schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("nagios-cfg/schema/%s.schema.json is stale: run go generate ./nagios-cfg/schema", k)
		}
	}
}

// TestSchemaAgreesWithLoader: for every setting the inventory declares,
// and a spread of values, the schema accepts exactly what nagios-cfg's
// loader accepts, so an editor never passes a value the generator
// refuses, nor flags one it takes. Values are written the way YAML types
// them (a bare 5 is a number, "5" a string); where the loader reads a
// setting's text whatever its YAML type, only the schema's direction is
// held: what the schema accepts, the loader accepts.
func TestSchemaAgreesWithLoader(t *testing.T) {
	s := compileFor(t, KindDefaults, testplugins.Catalogue())
	values := []string{"5", "0", "-1", "five", "true", "false", "24x7", "workhours", "always", "[w, c, r]", "[d]", "w,c",
		"[ops]", "[no such]", "/usr/lib/edgecheck", "lib/edgecheck", "'/a b'", "nagios", "-nagios", "{a: 1}", "[]", "null"}
	n := 0
	for _, path := range settingPaths() {
		for _, v := range values {
			src := "defaults:\n  " + nested(path, v) + "\n"
			schemaErr := s.Validate(instance(t, []byte(src)))
			loadErr := loadDefaults(t, src)
			n++
			switch {
			case schemaErr == nil && loadErr != nil:
				t.Errorf("%s: %s: the schema accepts what the loader refuses: %v", path, v, loadErr)
			case schemaErr != nil && loadErr == nil && !typeCoerced(v):
				t.Errorf("%s: %s: the schema refuses what the loader accepts: %v", path, v, schemaErr)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d settings × values tried", n)
	}
}

// typeCoerced says whether v is a YAML number or boolean, which the loader
// reads as text where a setting is text (a user named "true").
func typeCoerced(v string) bool {
	switch v {
	case "5", "0", "-1", "true", "false":
		return true
	}
	return false
}

// settingPaths lists every setting as group.key or key, from the schema
// the inventory declares.
func settingPaths() []string {
	var out []string
	for k, v := range inventory.SettingSchemas() {
		props, grouped := v.(map[string]any)["properties"].(map[string]any)
		if !grouped {
			out = append(out, k)
			continue
		}
		for sub := range props {
			out = append(out, k+"."+sub)
		}
	}
	sort.Strings(out)
	return out
}

func nested(path, v string) string {
	if g, k, ok := strings.Cut(path, "."); ok {
		return g + ": {" + k + ": " + v + "}"
	}
	return path + ": " + v
}

// loadDefaults loads a one-host inventory whose defaults.yaml starts with
// src; the contact groups ops, w, c, r and d exist, so that a list of
// them is a valid reference.
func loadDefaults(t *testing.T, src string) error {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "environments")
	files := map[string][]byte{
		inventory.DefaultsFile: []byte(src + `server_classes: [{match: '^nagios-(?P<cell>c[0-9]+)', class: cell}]
contacts: {a: {email: a@example.net}}
contact_groups: {ops: {members: [a]}, w: {members: [a]}, c: {members: [a]}, r: {members: [a]}, d: {members: [a]}}
roles: {hv: {services: {vswitch: {check: check_vswitch}}}}
`),
		filepath.Join("lab", inventory.EnvFile):        []byte("environment: {}\nservers: [nagios-c1.example.net]\n"),
		filepath.Join("lab", "c1", inventory.CellFile): []byte("hosts: [{name: h1.example.net, address: 192.0.2.1, roles: [hv]}]\n"),
	}
	if err := fsutil.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	_, err := inventory.Load(dir, testplugins.Catalogue())
	return err
}

// TestSamplesValidate: every sample inventory file under environments/
// validates, and names its schema for yaml-language-server.
func TestSamplesValidate(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{}
	for _, k := range kinds {
		schemas[k] = compile(t, k)
	}
	n := 0
	err := filepath.WalkDir("../../environments", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || kindOf(p) == "" {
			return err
		}
		n++
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		k := kindOf(p)
		if !bytes.Contains(src, []byte("# yaml-language-server: $schema=")) || !bytes.Contains(src, []byte(k+".schema.json")) {
			t.Errorf("%s: no yaml-language-server $schema comment naming %s.schema.json", p, k)
		}
		if err := schemas[k].Validate(instance(t, src)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("found only %d sample files", n)
	}
}

// TestSchemaRejects: bad inventories the loader refuses are refused by
// the schema too.
func TestSchemaRejects(t *testing.T) {
	cases := []struct{ name, kind, src string }{
		{"unknown top-level key", KindEnv, "environmnet: {}\n"},
		{"unknown setting", KindEnv, "environment: {check_intervall: 5}\n"},
		{"interval not an integer", KindEnv, "environment: {check_interval: five}\n"},
		{"interval zero", KindEnv, "environment: {check_interval: 0}\n"},
		{"unknown run mode", KindEnv, "environment: {run_mode: ssh}\n"},
		{"unknown notification key", KindDefaults, "defaults: {notifications: {enabeld: true}}\n"},
		{"period", KindDefaults, "defaults: {check_period: always}\n"},
		{"relative agent dir", KindCell, "cell: {agent_plugin_dir: lib/edgecheck}\nhosts: [{name: a}]\n"},
		{"server with unknown key", KindEnv, "servers: [{name: a, adress: 10.0.0.1}]\n"},
		{"host without name", KindCell, "hosts: [{address: 10.0.0.1}]\n"},
		{"no hosts", KindCell, "hosts: []\n"},
		{"role service without check", KindDefaults, "roles: {r: {services: {s: {flags: {}}}}}\n"},
		{"unknown check", KindDefaults, "roles: {r: {services: {s: {check: check_nope}}}}\n"},
		{"unknown flag of the check", KindDefaults, "roles: {r: {services: {s: {check: check_ovs_controller, flags: {gracee: 60}}}}}\n"},
		{"int flag not a number", KindDefaults, "roles: {r: {services: {s: {check: check_ovs_controller, flags: {grace: soon}}}}}\n"},
		{"bool flag not a boolean", KindDefaults, "roles: {r: {services: {s: {check: check_ovs_controller, flags: {require-master: maybe}}}}}\n"},
		{"layer sets a check", KindEnv, "environment: {services: {s: {check: check_ovs_kmod}}}\n"},
		{"layer flag no check has", KindEnv, "environment: {services: {s: {flags: {no-such-flag: 1}}}}\n"},
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, k := range kinds {
		schemas[k] = compile(t, k)
	}
	for _, c := range cases {
		if err := schemas[c.kind].Validate(instance(t, []byte(c.src))); err == nil {
			t.Errorf("%s: %q accepted", c.name, strings.TrimSpace(c.src))
		}
	}
	// And the good neighbours of those cases pass, so the rejections are
	// about the fault and not the shape of the test input.
	good := []struct{ kind, src string }{
		{KindEnv, "environment: {check_interval: 5, run_mode: nrpe, services: {s: {flags: {grace: 1}, sudo: true}}}\nservers: [a.example.net, {name: b, address: 10.0.0.1, port: 5665}]\n"},
		{KindDefaults, "roles: {r: {services: {s: {check: check_ovs_controller, flags: {grace: 60, require-master: true}}}}}\n"},
		{KindCell, "hosts: [{name: a, roles: [r], services: {s: {disabled: true}}}]\n"},
	}
	for _, g := range good {
		if err := schemas[g.kind].Validate(instance(t, []byte(g.src))); err != nil {
			t.Errorf("%q refused: %v", g.src, err)
		}
	}
}
