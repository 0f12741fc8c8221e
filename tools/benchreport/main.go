// Command benchreport turns the benchmark results that `make bench` collects
// (bench/results.jsonl, one benchcmp.Record per line) into BENCHMARKS.md: the
// machine the run happened on, one row per side-by-side comparison, a table
// per scaling series and an SVG chart of cost against host or queue count.
//
//	go run ./tools/benchreport -in bench/results.jsonl -out BENCHMARKS.md
//
// The output is a pure function of the results file and the machine
// description, so regenerating it from the same run gives the same bytes.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"edgecheck/shared/benchcmp"
)

func main() {
	in := flag.String("in", "bench/results.jsonl", "benchmark results, one JSON record per line")
	out := flag.String("out", "BENCHMARKS.md", "the Markdown report to write")
	svg := flag.String("svg", "", "the SVG chart to write (default: bench/scaling.svg next to -out)")
	flag.Parse()
	if err := run(*in, *out, *svg); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in, out, svgPath string) error {
	if svgPath == "" {
		svgPath = filepath.Join(filepath.Dir(out), "bench", "scaling.svg")
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := readRecords(f, in)
	if err != nil {
		return err
	}
	m := probeMachine()
	rel, err := filepath.Rel(filepath.Dir(out), svgPath)
	if err != nil {
		rel = svgPath
	}
	chart := renderChart(recs)
	if chart == "" {
		rel = ""
	}
	md := renderReport(recs, m, filepath.ToSlash(rel))
	if chart != "" {
		if err := writeAtomic(svgPath, []byte(chart)); err != nil {
			return err
		}
	}
	if err := writeAtomic(out, []byte(md)); err != nil {
		return err
	}
	fmt.Printf("benchreport: %d records -> %s", len(recs), out)
	if chart != "" {
		fmt.Printf(", %s", svgPath)
	}
	fmt.Println()
	return nil
}

// readRecords parses JSONL. A later record for the same group, workload and
// sides replaces an earlier one, so a re-run benchmark appends cleanly.
func readRecords(r io.Reader, name string) ([]benchcmp.Record, error) {
	var recs []benchcmp.Record
	index := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var rec benchcmp.Record
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		if rec.Group == "" || rec.Workload == "" || rec.Ours == "" {
			return nil, fmt.Errorf("%s:%d: record lacks group, workload or ours", name, line)
		}
		key := rec.Group + "\x00" + rec.Workload + "\x00" + rec.Ours + "\x00" + rec.Peer
		if i, ok := index[key]; ok {
			recs[i] = rec
			continue
		}
		index[key] = len(recs)
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(recs) == 0 {
		return nil, errors.New(name + ": no benchmark records (did `make bench` run any benchmark?)")
	}
	return recs, nil
}

// writeAtomic writes through a temporary file and a rename, so a reader
// never sees half a report.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
