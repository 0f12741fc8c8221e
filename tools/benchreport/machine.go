package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// A Machine describes where the benchmarks ran.
type Machine struct {
	CPU      string
	Cores    int
	MemoryGB float64
	Kernel   string
	OS       string
	Go       string
}

// probeMachine reads the machine description from /proc and /etc. Fields
// that cannot be read say so instead of failing the report.
func probeMachine() Machine {
	m := Machine{CPU: "unknown", Kernel: "unknown", OS: "unknown", Go: runtime.Version(), Cores: runtime.NumCPU()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		cpu, cores := parseCPUInfo(f)
		f.Close()
		if cpu != "" {
			m.CPU = cpu
		}
		if cores > 0 {
			m.Cores = cores
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		m.MemoryGB = parseMemInfo(f)
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if f, err := os.Open("/etc/os-release"); err == nil {
		if name := parseOSRelease(f); name != "" {
			m.OS = name
		}
		f.Close()
	}
	return m
}

// parseCPUInfo returns the first model name and the number of logical
// processors listed in /proc/cpuinfo.
func parseCPUInfo(r io.Reader) (model string, cores int) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "processor":
			cores++
		case "model name":
			if model == "" {
				model = strings.Join(strings.Fields(v), " ")
			}
		}
	}
	return model, cores
}

// parseMemInfo returns MemTotal in GiB.
func parseMemInfo(r io.Reader) float64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err == nil {
				return kb / 1024 / 1024
			}
		}
	}
	return 0
}

// parseOSRelease returns PRETTY_NAME from os-release.
func parseOSRelease(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

func (m Machine) memory() string {
	if m.MemoryGB <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", m.MemoryGB)
}
