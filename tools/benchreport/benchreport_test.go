package main

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedMachine = Machine{
	CPU: "Intel(R) Xeon(R) CPU @ 2.20GHz", Cores: 2, MemoryGB: 23.5,
	Kernel: "6.1.0-27-amd64", OS: "Debian GNU/Linux 12 (bookworm)", Go: "go1.26.8",
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./tools/benchreport -update to accept):\n%s", name, got)
	}
}

func sampleRecords(t *testing.T) []benchcmp.Record {
	t.Helper()
	f, err := os.Open("testdata/results.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := readRecords(f, "results.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestReportGolden(t *testing.T) {
	recs := sampleRecords(t)
	md := renderReport(recs, fixedMachine, "bench/scaling.svg")
	golden(t, "BENCHMARKS.md", []byte(md))
	svg := renderChart(recs)
	golden(t, "scaling.svg", []byte(svg))

	// The same input gives the same bytes, whatever the map iteration order.
	for i := 0; i < 5; i++ {
		if again := renderReport(sampleRecords(t), fixedMachine, "bench/scaling.svg"); again != md {
			t.Fatal("report is not deterministic")
		}
		if again := renderChart(sampleRecords(t)); again != svg {
			t.Fatal("chart is not deterministic")
		}
	}
}

func TestReportContent(t *testing.T) {
	recs := sampleRecords(t)
	if len(recs) != 10 {
		t.Fatalf("got %d records, want 10 (the repeated ovs record replaces the first)", len(recs))
	}
	md := renderReport(recs, fixedMachine, "bench/scaling.svg")
	for _, want := range []string{
		"| CPU | Intel(R) Xeon(R) CPU @ 2.20GHz |",
		"| Cores | 2 |",
		"| Memory | 23.5 GiB |",
		"| Run | 2026-11-21T06:01:30Z to 2026-11-21T06:08:00Z |",
		// The later ovs record wins.
		"| ovs | read Manager, Bridge and Controller status of br-lab | `check_ovs_controller` | 3.20 ms | `ovs-vsctl shell-out (3 calls)` | 24.0 ms | **7.5×** | 9.7 MB / 6.0 MB | 10 |  |",
		// A | in a workload cannot break the table.
		`walk IF-MIB on snmpd \| 12 interfaces`,
		"http-requests=1, queues=10,000",
		"### nagios-cfg by hosts",
		"| 50,000 | render 50,000 hypervisors x 6 services | `nagios-cfg render` | 4.21 s | 84.3 ms | 402.7 MB | – | 3 | services=300,000 |",
		"### rabbitmq by queues",
		"![Wall time and peak RSS against input size](bench/scaling.svg)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(md, "3.41 ms") {
		t.Error("the superseded ovs record is still in the report")
	}
	// Scaling rows are ordered by host count, not by file order.
	i1, i10, i50 := strings.Index(md, "| 1,000 | render"), strings.Index(md, "| 10,000 | render"), strings.Index(md, "| 50,000 | render")
	if i1 < 0 || i1 > i10 || i10 > i50 {
		t.Errorf("scaling rows out of order: %d %d %d", i1, i10, i50)
	}
}

func TestChartIsWellFormedSVG(t *testing.T) {
	svg := renderChart(sampleRecords(t))
	dec := xml.NewDecoder(strings.NewReader(svg))
	polylines, circles := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "polyline":
				polylines++
			case "circle":
				circles++
			}
		}
	}
	// nagios-cfg: 2 programs x (time, rss); rabbitmq: ours + peer x (time, rss).
	if polylines != 8 {
		t.Errorf("got %d polylines, want 8", polylines)
	}
	// nagios-cfg: (3 render + 2 nagios4) x 2 plots; rabbitmq: 3 sizes x 2 sides x 2 plots.
	if circles != 22 {
		t.Errorf("got %d points, want 22", circles)
	}
	// 10 to 10,000 queues spans three decades: a log axis. 1,000 to 50,000
	// hosts does not.
	if n := strings.Count(svg, "queues (log scale)"); n != 2 {
		t.Errorf("got %d log-scale queue axes, want 2", n)
	}
	if strings.Contains(svg, "hosts (log scale)") {
		t.Error("the hosts axis is logarithmic")
	}
	for _, want := range []string{"nagios-cfg by hosts", "rabbitmq by queues", "check_rabbitmq_queue (per queue)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestNoChartWithoutSeries(t *testing.T) {
	recs, err := readRecords(strings.NewReader(`{"group":"ovs","workload":"w","ours":"a","peer":"b","runs":1,"ours_ms":1,"peer_ms":2,"ratio":2,"ours_rss_mb":1,"recorded_at":"2026-01-01T00:00:00Z"}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	if svg := renderChart(recs); svg != "" {
		t.Errorf("chart drawn without any scaling series:\n%s", svg)
	}
	if md := renderReport(recs, fixedMachine, ""); strings.Contains(md, "![") || strings.Contains(md, "## Scaling") {
		t.Errorf("report links a chart or a scaling section that does not exist:\n%s", md)
	}
}

func TestReadRecordsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "\n\n", "no benchmark records"},
		{"bad json", `{"group":"a","workload":"b","ours":"c"}` + "\n{oops\n", "in.jsonl:2:"},
		{"unknown field", `{"group":"a","workload":"b","ours":"c","oursms":1}`, "unknown field"},
		{"incomplete", `{"group":"a","ours":"c"}`, "in.jsonl:1: record lacks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRecords(strings.NewReader(tt.in), "in.jsonl")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRunWritesReportAndChart(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "BENCHMARKS.md")
	if err := run("testdata/results.jsonl", out, ""); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bench", "scaling.svg")); err != nil {
		t.Errorf("chart not written next to the report: %v", err)
	}
	if !strings.Contains(string(md), "(bench/scaling.svg)") {
		t.Error("report does not link the chart by its relative path")
	}
	if err := run(filepath.Join(dir, "missing.jsonl"), out, ""); err == nil {
		t.Error("a missing results file did not fail")
	}
}

func TestMachineParsers(t *testing.T) {
	cpuinfo := "processor\t: 0\nmodel name\t: Intel(R) Xeon(R)  CPU @ 2.20GHz\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R)  CPU @ 2.20GHz\n"
	model, cores := parseCPUInfo(strings.NewReader(cpuinfo))
	if model != "Intel(R) Xeon(R) CPU @ 2.20GHz" || cores != 2 {
		t.Errorf("parseCPUInfo = %q, %d", model, cores)
	}
	if got := parseMemInfo(strings.NewReader("MemTotal:       24683520 kB\nMemFree: 1 kB\n")); got < 23.5 || got > 23.6 {
		t.Errorf("parseMemInfo = %v, want 23.54", got)
	}
	if got := parseOSRelease(strings.NewReader("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")); got != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("parseOSRelease = %q", got)
	}
	m := probeMachine()
	if m.Cores < 1 || m.Go == "" {
		t.Errorf("probeMachine on this machine: %+v", m)
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{ms(0), "–"}, {ms(0.5), "0.50 ms"}, {ms(12.34), "12.3 ms"}, {ms(123.4), "123 ms"}, {ms(12345), "12.3 s"}, {ms(4213), "4.21 s"},
		{num(1000), "1,000"}, {num(50000), "50,000"}, {num(999), "999"}, {num(1234567), "1,234,567"}, {num(0.25), "0.25"},
		{mb(0), "–"}, {mb(9.75), "9.8 MB"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	ts, top := ticks(4213)
	if top != 5000 || len(ts) != 6 || ts[5] != 5000 {
		t.Errorf("ticks(4213) = %v, %v", ts, top)
	}
}
