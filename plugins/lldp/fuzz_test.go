package lldp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/nagios"
)

// FuzzDecode feeds arbitrary lldpcli output to the decoder and the
// evaluation: neither may panic, a decoded snapshot is well-formed, and the
// output keeps the plugin contract (a known state, one line 1).
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.out"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("{}{}{}"))
	f.Add([]byte(`{"lldp":[{"interface":[{"name":"eth0","age":"-1 day, -1:-1:-1","port":[{"ttl":[{"value":"x"}]}]}]}]}` + "\n{\"lldp\":[]}\n{\"lldp\":[{}]}"))
	f.Add([]byte(`{"lldp":[{"interface":[{"name":"a|b","tx":[{"tx":1e3}],"status":[{"value":true}]}]}]}{"lldp":[]}{"lldp":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		snap, err := Decode(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, n := range snap.Neighbors {
			if n.Interface == "" {
				t.Fatalf("neighbor without interface: %+v", n)
			}
			if n.TTL < -1 || n.Age < -1 {
				t.Fatalf("negative duration: %+v", n)
			}
		}
		for name := range snap.Stats {
			if name == "" {
				t.Fatal("stats without interface name")
			}
		}
		for _, args := range [][]string{nil, {"--expect", "eth0=sw1:Ethernet1/1", "--max-age", "1"}} {
			c := newCheck(t, args...)
			res := evaluateCheck(t, c, snap, linksFromIPJSON("variants.links.json"))
			out := res.Format(Service)
			st := res.FinalState()
			if st != nagios.OK && st != nagios.Warning && st != nagios.Critical {
				t.Fatalf("state %v from decoded data", st)
			}
			line1 := strings.SplitN(out, "\n", 2)[0]
			if strings.Count(line1, "|") > 1 {
				t.Fatalf("a | in the text corrupts perfdata: %q", line1)
			}
		}
	})
}
