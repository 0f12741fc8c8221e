package ovscontroller

import (
	"fmt"
	"strconv"

	"edgecheck/shared/ovsdb"
)

// The one transaction the check sends: only the columns it reads.
var queryOps = []ovsdb.Op{
	ovsdb.Select("Open_vSwitch", []string{"manager_options", "bridges"}),
	ovsdb.Select("Manager", []string{"_uuid", "target", "is_connected", "status"}),
	ovsdb.Select("Bridge", []string{"_uuid", "name", "controller", "fail_mode"}),
	ovsdb.Select("Controller", []string{"_uuid", "target", "is_connected", "role", "status"}),
}

// A Target is one Manager or Controller row.
type Target struct {
	// Row is the Manager or Controller row's _uuid; a new row (the
	// database recreated, the target removed and added again) is a new
	// target for the check's memory.
	Row         ovsdb.UUID
	Target      string
	IsConnected bool
	Role        string // controllers only: master, slave, other, or ""
	Status      map[string]string
}

// A Bridge is a bridge with its controllers, in the order OVSDB lists them.
type Bridge struct {
	Name        string
	FailMode    string
	Controllers []Target
}

// A Snapshot is everything the check reads from OVSDB in its one
// transaction, plus whether ovs-vswitchd holds its lock.
type Snapshot struct {
	VswitchdRunning bool
	Managers        []Target
	Bridges         []Bridge
}

// decodeSnapshot turns the four select results into typed values.
func decodeSnapshot(res []ovsdb.Result, vswitchdRunning bool) (*Snapshot, error) {
	if len(res) != len(queryOps) {
		return nil, fmt.Errorf("expected %d results, got %d", len(queryOps), len(res))
	}
	if len(res[0].Rows) == 0 {
		return nil, fmt.Errorf("the Open_vSwitch table has no row (database not initialized? run ovs-vsctl init)")
	}
	root := res[0].Rows[0]
	managerIDs, err := root.UUIDs("manager_options")
	if err != nil {
		return nil, fmt.Errorf("Open_vSwitch: %w", err)
	}
	bridgeIDs, err := root.UUIDs("bridges")
	if err != nil {
		return nil, fmt.Errorf("Open_vSwitch: %w", err)
	}
	managers, err := decodeTargets("Manager", res[1].Rows, false)
	if err != nil {
		return nil, err
	}
	controllers, err := decodeTargets("Controller", res[3].Rows, true)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{VswitchdRunning: vswitchdRunning}
	for _, id := range managerIDs {
		if m, ok := managers[id]; ok {
			s.Managers = append(s.Managers, m)
		}
	}
	bridges := map[ovsdb.UUID]Bridge{}
	for _, row := range res[2].Rows {
		id, err := row.UUID("_uuid")
		if err != nil {
			return nil, fmt.Errorf("Bridge: %w", err)
		}
		name, err := row.String("name")
		if err != nil {
			return nil, fmt.Errorf("Bridge %s: %w", id, err)
		}
		failMode, err := row.String("fail_mode")
		if err != nil {
			return nil, fmt.Errorf("Bridge %s: %w", name, err)
		}
		ctlIDs, err := row.UUIDs("controller")
		if err != nil {
			return nil, fmt.Errorf("Bridge %s: %w", name, err)
		}
		b := Bridge{Name: name, FailMode: failMode}
		for _, cid := range ctlIDs {
			c, ok := controllers[cid]
			if !ok {
				return nil, fmt.Errorf("Bridge %s refers to controller %s, which is not in the Controller table", name, cid)
			}
			b.Controllers = append(b.Controllers, c)
		}
		bridges[id] = b
	}
	for _, id := range bridgeIDs {
		if b, ok := bridges[id]; ok {
			s.Bridges = append(s.Bridges, b)
		}
	}
	return s, nil
}

func decodeTargets(table string, rows []ovsdb.Row, withRole bool) (map[ovsdb.UUID]Target, error) {
	out := make(map[ovsdb.UUID]Target, len(rows))
	for _, row := range rows {
		id, err := row.UUID("_uuid")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		t := Target{Row: id}
		if t.Target, err = row.String("target"); err != nil {
			return nil, fmt.Errorf("%s %s: %w", table, id, err)
		}
		if t.IsConnected, err = row.Bool("is_connected"); err != nil {
			return nil, fmt.Errorf("%s %s: %w", table, t.Target, err)
		}
		if t.Status, err = row.StringMap("status"); err != nil {
			return nil, fmt.Errorf("%s %s: %w", table, t.Target, err)
		}
		if withRole {
			if t.Role, err = row.String("role"); err != nil {
				return nil, fmt.Errorf("%s %s: %w", table, t.Target, err)
			}
		}
		out[id] = t
	}
	return out, nil
}

// seconds reads an integer status key such as sec_since_disconnect.
func (t Target) seconds(key string) (int64, bool) {
	v, ok := t.Status[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// targetRows maps every configured target, keyed as the memory keys it
// ("manager TARGET", "bridge NAME controller TARGET"), to its row _uuid.
func (s *Snapshot) targetRows() map[string]ovsdb.UUID {
	rows := map[string]ovsdb.UUID{}
	for _, m := range s.Managers {
		rows["manager "+m.Target] = m.Row
	}
	for _, b := range s.Bridges {
		for _, c := range b.Controllers {
			rows["bridge "+b.Name+" controller "+c.Target] = c.Row
		}
	}
	return rows
}
