package snmpprocs

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"edgecheck/shared/nagios"
	"edgecheck/shared/snmp"
)

// UCD-SNMP-MIB prTable (net-snmp's `proc NAME [MAX [MIN]]` lines).
const (
	oidPrEntry = ".1.3.6.1.4.1.2021.2.1"
	// Column numbers under prEntry.
	colPrNames      = 2   // DisplayString: the NAME of the proc line
	colPrMin        = 3   // Integer32: MIN (0 when not given)
	colPrMax        = 4   // Integer32: MAX (0 when not given: no maximum)
	colPrCount      = 5   // Integer32: processes whose hrSWRunName is prNames, zombies included
	colPrErrorFlag  = 100 // UCDErrorFlag: 1 when prCount is outside MIN..MAX (or 0 without MIN/MAX)
	colPrErrMessage = 101 // DisplayString: why prErrorFlag is 1
)

// A PrEntry is one prTable row.
type PrEntry struct {
	Index      int64
	Name       string // prNames
	Min, Max   int64  // prMin, prMax
	Count      int64  // prCount
	ErrorFlag  int64  // prErrorFlag
	ErrMessage string // prErrMessage
}

// commLen is the length to which Linux cuts a process name (TASK_COMM_LEN
// 16, with the final NUL): net-snmp compares a proc line's NAME with it, so
// `proc neutron-openvswitch-agent` never counts anything.
const commLen = 15

// MatchPr reports whether the selector picks this prTable row: prNames is
// NAME, or NAME cut to the kernel's 15 characters; a regex matches prNames.
func (s Selector) MatchPr(e PrEntry) bool {
	if s.Re != nil {
		return s.Re.MatchString(e.Name)
	}
	return e.Name == s.Name || (len(s.Name) > commLen && e.Name == s.Name[:commLen])
}

// DecodePrTable decodes a walk of prEntry into rows sorted by prIndex. A row
// lacking prNames or prCount, or a value of the wrong type, is malformed.
func DecodePrTable(vars []snmp.Var) ([]PrEntry, error) {
	rows := map[int64]*PrEntry{}
	seen := map[int64]map[int]bool{}
	for _, v := range vars {
		idx, ok := v.Index(oidPrEntry)
		if !ok {
			continue
		}
		colText, rowText, ok := strings.Cut(idx, ".")
		col, err1 := strconv.Atoi(colText)
		row, err2 := strconv.ParseInt(rowText, 10, 64)
		if !ok || err1 != nil || err2 != nil || row < 0 {
			return nil, fmt.Errorf("prTable has a malformed OID %s (want prEntry.COLUMN.prIndex)", v.OID)
		}
		e := rows[row]
		if e == nil {
			e = &PrEntry{Index: row}
			rows[row] = e
			seen[row] = map[int]bool{}
		}
		if err := e.set(col, v); err != nil {
			return nil, err
		}
		seen[row][col] = true
	}
	out := make([]PrEntry, 0, len(rows))
	for idx, e := range rows {
		if !seen[idx][colPrNames] || !seen[idx][colPrCount] {
			return nil, fmt.Errorf("prTable row %d lacks prNames or prCount", idx)
		}
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

func (e *PrEntry) set(col int, v snmp.Var) error {
	str := func(dst *string, label string) error {
		b, ok := v.Bytes()
		if !ok {
			return fmt.Errorf("%s.%d is %v, not a string", label, e.Index, v.Type)
		}
		*dst = string(b)
		return nil
	}
	num := func(dst *int64, label string) error {
		n, ok := v.Int()
		if !ok {
			return fmt.Errorf("%s.%d is %v, not an integer", label, e.Index, v.Type)
		}
		*dst = n
		return nil
	}
	switch col {
	case colPrNames:
		return str(&e.Name, "prNames")
	case colPrMin:
		return num(&e.Min, "prMin")
	case colPrMax:
		return num(&e.Max, "prMax")
	case colPrCount:
		return num(&e.Count, "prCount")
	case colPrErrorFlag:
		return num(&e.ErrorFlag, "prErrorFlag")
	case colPrErrMessage:
		return str(&e.ErrMessage, "prErrMessage")
	}
	return nil // prIndex, prErrFix, prErrFixCmd
}

// walkPrTable walks prEntry; an empty table is errNoPrTable.
func walkPrTable(ctx context.Context, g snmp.Getter, addr string) ([]PrEntry, error) {
	nagios.SetStage(ctx, "walking prTable (UCD-SNMP-MIB) on "+addr)
	vars, err := g.Walk(ctx, oidPrEntry)
	if err != nil {
		return nil, err
	}
	rows, err := DecodePrTable(vars)
	if err != nil {
		return nil, fmt.Errorf("SNMP agent %s: %v", addr, err)
	}
	if len(rows) == 0 {
		return nil, errNoPrTable
	}
	return rows, nil
}

var errNoPrTable = fmt.Errorf("no prTable")

func noPrTable(addr string) error {
	return fmt.Errorf("SNMP agent %s has no prTable (UCD-SNMP-MIB %s): add `proc NAME [MAX [MIN]]` lines to its snmpd.conf "+
		"(NAME as the kernel shows it, at most 15 characters), or the view of this community/user excludes .1.3.6.1.4.1.2021.2", addr, oidPrEntry)
}
