package snmpprocs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"edgecheck/shared/nagios"
	"edgecheck/shared/snmp"
)

// HOST-RESOURCES-MIB (RFC 2790) columns. hrSWRunTable rows are indexed by
// hrSWRunIndex, which net-snmp on Linux sets to the PID.
const (
	oidHrSWRunTable      = ".1.3.6.1.2.1.25.4.2"
	oidHrSWRunName       = ".1.3.6.1.2.1.25.4.2.1.2" // InternationalDisplayString (SIZE (0..64)); Linux: the kernel's comm, at most 15 bytes
	oidHrSWRunPath       = ".1.3.6.1.2.1.25.4.2.1.4" // InternationalDisplayString (SIZE (0..128)); net-snmp: argv[0]
	oidHrSWRunParameters = ".1.3.6.1.2.1.25.4.2.1.5" // InternationalDisplayString (SIZE (0..128)); net-snmp: argv[1:] joined by spaces, cut at 128 bytes
	oidHrSWRunStatus     = ".1.3.6.1.2.1.25.4.2.1.7" // running(1), runnable(2), notRunnable(3), invalid(4)
	oidHrSWRunPerfCPU    = ".1.3.6.1.2.1.25.5.1.1.1" // Integer32, centi-seconds of CPU the process has used
	oidHrSWRunPerfMem    = ".1.3.6.1.2.1.25.5.1.1.2" // KBytes of real memory allocated to the process
)

// hrSWRunStatus values (HOST-RESOURCES-MIB). net-snmp on Linux maps the
// /proc state R to running, S to runnable, D and T to notRunnable and a
// zombie (Z) to invalid: checked against the lab's snmpd 5.9.3.
const (
	statusRunning     = 1
	statusRunnable    = 2
	statusNotRunnable = 3
	statusInvalid     = 4
)

// A Process is one hrSWRunTable row and its hrSWRunPerfTable values.
type Process struct {
	Index      int64  // hrSWRunIndex (the PID on Linux)
	Name       string // hrSWRunName
	Path       string // hrSWRunPath
	Parameters string // hrSWRunParameters
	Status     int    // hrSWRunStatus; 0 until read
	CPU        int64  // hrSWRunPerfCPU, centi-seconds; valid when HavePerf
	Mem        int64  // hrSWRunPerfMem, KB; valid when HavePerf
	HavePerf   bool
}

// Alive reports whether the process counts as running: running(1),
// runnable(2) and notRunnable(3) do; invalid(4), which net-snmp gives a
// zombie, and any value outside the MIB's enumeration do not.
func (p Process) Alive() bool {
	return p.Status == statusRunning || p.Status == statusRunnable || p.Status == statusNotRunnable
}

// StatusName names an hrSWRunStatus value as the MIB does.
func StatusName(s int) string {
	switch s {
	case statusRunning:
		return "running"
	case statusRunnable:
		return "runnable"
	case statusNotRunnable:
		return "notRunnable"
	case statusInvalid:
		return "invalid"
	}
	return "status " + strconv.Itoa(s)
}

// errChanged is returned when the rows of two columns read in one run
// differ: a process started or exited during the walk.
var errChanged = errors.New("the process table changed during the walk")

// changedError says which column disagreed, wrapping errChanged.
type changedError struct{ detail string }

func (e changedError) Error() string { return errChanged.Error() + " (" + e.detail + ")" }
func (e changedError) Is(target error) bool {
	return target == errChanged
}

// DecodeRunTable joins the walked hrSWRunName, hrSWRunPath and
// hrSWRunParameters columns into rows sorted by hrSWRunIndex. Rows whose
// index is not a whole number are malformed. When the columns do not hold
// the same indexes the error matches errChanged.
func DecodeRunTable(names, paths, params []snmp.Var) ([]Process, error) {
	cols := []struct {
		label string
		root  string
		vars  []snmp.Var
	}{
		{"hrSWRunName", oidHrSWRunName, names},
		{"hrSWRunPath", oidHrSWRunPath, paths},
		{"hrSWRunParameters", oidHrSWRunParameters, params},
	}
	values := make([]map[int64]string, len(cols))
	for i, col := range cols {
		values[i] = map[int64]string{}
		for _, v := range col.vars {
			idx, ok := v.Index(col.root)
			if !ok {
				continue // a walk may overrun into the next column
			}
			n, err := strconv.ParseInt(idx, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s has a malformed index %q (hrSWRunIndex is one non-negative integer)", col.label, idx)
			}
			b, ok := v.Bytes()
			if !ok {
				return nil, fmt.Errorf("%s.%d is %v, not an OCTET STRING", col.label, n, v.Type)
			}
			values[i][n] = string(b)
		}
	}
	for i := 1; i < len(cols); i++ {
		if err := sameRows(cols[0].label, values[0], cols[i].label, values[i]); err != nil {
			return nil, err
		}
	}
	rows := make([]Process, 0, len(values[0]))
	for idx, name := range values[0] {
		rows = append(rows, Process{Index: idx, Name: name, Path: values[1][idx], Parameters: values[2][idx]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Index < rows[j].Index })
	return rows, nil
}

func sameRows(la string, a map[int64]string, lb string, b map[int64]string) error {
	for idx := range a {
		if _, ok := b[idx]; !ok {
			return changedError{fmt.Sprintf("row %d is in %s but not in %s", idx, la, lb)}
		}
	}
	for idx := range b {
		if _, ok := a[idx]; !ok {
			return changedError{fmt.Sprintf("row %d is in %s but not in %s", idx, lb, la)}
		}
	}
	return nil
}

// noHostResources is the error for an agent that shows no hrSWRunTable.
func noHostResources(addr string) error {
	return fmt.Errorf("SNMP agent %s shows no hrSWRunTable (HOST-RESOURCES-MIB %s): either the view of this community/user excludes it "+
		"(Debian's default snmpd.conf view systemonly has only .1.3.6.1.2.1.25.1: add `view systemonly included .1.3.6.1.2.1.25.4` and "+
		"`view systemonly included .1.3.6.1.2.1.25.5`) or snmpd runs without its hrSWRunTable module (snmpd -I -hrSWRunTable); "+
		"--source ucd reads the agent's `proc` lines instead", addr, oidHrSWRunTable)
}

// walkRunTable walks the three columns the selection needs.
func walkRunTable(ctx context.Context, g snmp.Getter, addr string) ([]Process, error) {
	var cols [3][]snmp.Var
	for i, col := range []struct{ oid, label string }{
		{oidHrSWRunName, "hrSWRunName"}, {oidHrSWRunPath, "hrSWRunPath"}, {oidHrSWRunParameters, "hrSWRunParameters"},
	} {
		nagios.SetStage(ctx, fmt.Sprintf("walking %s on %s", col.label, addr))
		vars, err := g.Walk(ctx, col.oid)
		if err != nil {
			return nil, err
		}
		if i == 0 && len(vars) == 0 {
			return nil, errNoHostResources
		}
		cols[i] = vars
	}
	rows, err := DecodeRunTable(cols[0], cols[1], cols[2])
	if err != nil && !errors.Is(err, errChanged) {
		return nil, fmt.Errorf("SNMP agent %s: %v", addr, err)
	}
	return rows, err
}

var errNoHostResources = errors.New("no hrSWRunTable")

// maxOIDsPerGet stays within gosnmp's MaxOids (60) per request.
const maxOIDsPerGet = 60

// readStatus reads hrSWRunStatus, hrSWRunPerfCPU and hrSWRunPerfMem of the
// given rows with as few GET requests as fit. A row whose status has gone
// means the table changed; missing perf values leave HavePerf false.
func readStatus(ctx context.Context, g snmp.Getter, addr string, rows []*Process) error {
	if len(rows) == 0 {
		return nil
	}
	nagios.SetStage(ctx, fmt.Sprintf("reading hrSWRunStatus, hrSWRunPerfCPU and hrSWRunPerfMem of %d processes from %s", len(rows), addr))
	cols := []string{oidHrSWRunStatus, oidHrSWRunPerfCPU, oidHrSWRunPerfMem}
	per := maxOIDsPerGet / len(cols)
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var oids []string
		for _, p := range chunk {
			for _, col := range cols {
				oids = append(oids, fmt.Sprintf("%s.%d", col, p.Index))
			}
		}
		vars, err := g.Get(ctx, oids...)
		if err != nil {
			return err
		}
		if len(vars) != len(oids) {
			return fmt.Errorf("SNMP agent %s returned %d values for %d requested OIDs", addr, len(vars), len(oids))
		}
		for i, p := range chunk {
			if err := p.setStatus(vars[3*i], vars[3*i+1], vars[3*i+2]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Process) setStatus(status, cpu, mem snmp.Var) error {
	if status.Missing() {
		return changedError{fmt.Sprintf("row %d (%s) left hrSWRunTable before its hrSWRunStatus was read", p.Index, p.Name)}
	}
	s, ok := status.Int()
	if !ok {
		return fmt.Errorf("hrSWRunStatus.%d is %v, not an INTEGER", p.Index, status.Type)
	}
	p.Status = int(s)
	c, okC := cpu.Int()
	m, okM := mem.Int()
	p.CPU, p.Mem, p.HavePerf = c, m, okC && okM
	return nil
}
