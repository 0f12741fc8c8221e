package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/docs"
	"edgecheck/shared/registry"
)

// copyDocs copies what docgen reads (the top-level README, and every
// plugin's README.md and testdata/golden files) from the module into a
// temporary root.
func copyDocs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	index, err := os.ReadFile(filepath.Join("..", "..", docs.IndexReadme))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, docs.IndexReadme), index, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range registry.All() {
		dir := docs.Dir(p)
		files, err := filepath.Glob(filepath.Join("..", "..", dir, "testdata", "golden", "*.txt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range append(files, filepath.Join("..", "..", dir, "README.md")) {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			rel, err := filepath.Rel(filepath.Join("..", ".."), src)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(root, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// edit changes the first line inside the block named block of the README
// at path, as a hand edit of a generated snippet would.
func edit(t *testing.T, path, block, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin := "<!-- BEGIN generated:" + block + " -->\n"
	i := strings.Index(string(data), begin)
	j := strings.Index(string(data), "<!-- END generated:"+block+" -->")
	if i < 0 || j < i {
		t.Fatalf("%s has no block %s", path, block)
	}
	body := string(data[i+len(begin) : j])
	if !strings.Contains(body, old) {
		t.Fatalf("block %s of %s lacks %q", block, path, old)
	}
	out := string(data[:i+len(begin)]) + strings.Replace(body, old, new, 1) + string(data[j:])
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestCheckReportsAStaleSnippet: `docgen -check` passes on a copy of the
// current READMEs, fails naming the README once a generated Nagios, NRPE
// or Icinga 2 snippet in it is edited by hand, and docgen without -check
// writes the generated text back.
func TestCheckReportsAStaleSnippet(t *testing.T) {
	for _, tc := range []struct{ readme, block, old, new string }{
		{"plugins/ovscontroller/README.md", "commands", "$USER2$/check_ovs_controller $ARG1$", "$USER1$/check_ovs_controller $ARG1$"},
		{"plugins/ovscontroller/README.md", "commands", "\t\t\torder = 4\n", "\t\t\torder = 4\n\t\t\trequired = true\n"},
		{"plugins/ovscontroller/README.md", "service:nrpe,sudo", "command[ec_ovs_controller]=/usr/bin/sudo -n", "command[check_ovs_controller]=/usr/bin/sudo"},
		{"plugins/rabbitmqqueues/README.md", "service:icinga-agent", `vars.rabbitmq_queues_queue_regex = "^compute\\."`, `vars.rabbitmq_queues_queue_regex = "^compute."`},
		{"plugins/snmpextend/README.md", "service:snmp-extend,sudo,check=check_ovs_controller", "extend ec_ovs_controller", "extend ovs_controller"},
		{"README.md", "checks", "| hypervisor | lldpd down,", "| hypervisor | lldpd dead,"},
	} {
		t.Run(tc.readme+" "+tc.block, func(t *testing.T) {
			root := copyDocs(t)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"-check", "-root", root}, &stdout, &stderr); code != 0 {
				t.Fatalf("-check on the current READMEs: exit %d, %s", code, stderr.String())
			}
			path := filepath.Join(root, filepath.FromSlash(tc.readme))
			orig := edit(t, path, tc.block, tc.old, tc.new)
			stderr.Reset()
			if code := run([]string{"-check", "-root", root}, &stdout, &stderr); code != 1 {
				t.Fatalf("-check after editing block %s: exit %d, want 1", tc.block, code)
			}
			if want := path + " is stale: run `go generate ./plugins/all`"; !strings.Contains(stderr.String(), want) {
				t.Errorf("-check said %q, want %q", stderr.String(), want)
			}
			if code := run([]string{"-root", root}, &stdout, &stderr); code != 0 {
				t.Fatalf("docgen: exit %d, %s", code, stderr.String())
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != orig {
				t.Errorf("docgen did not write the generated snippet back (err %v)", err)
			}
		})
	}
}

// TestCheckRefusesABrokenSnippetBlock: a service block with an unknown run
// mode or option fails -check with what is known.
func TestCheckRefusesABrokenSnippetBlock(t *testing.T) {
	root := copyDocs(t)
	path := filepath.Join(root, "plugins", "ovskmod", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.ReplaceAll(string(data), "generated:service:nrpe -->", "generated:service:ssh -->")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-check", "-root", root}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := `run mode "ssh": want service:MODE with MODE one of local, nrpe, snmp-extend, icinga-agent`; !strings.Contains(stderr.String(), want) {
		t.Errorf("-check said %q, want %q", stderr.String(), want)
	}
}
