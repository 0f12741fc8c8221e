package htbdrift

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"edgecheck/shared/ovsdb"
)

// A queueConf is one Queue row as OVSDB holds it, in bits/s (0: unset).
type queueConf struct {
	ID      uint32
	MinRate uint64
	MaxRate uint64
}

// An iface is the part of an Interface row this check uses.
type iface struct {
	Name      string
	Type      string
	OFPort    int64
	LinkSpeed uint64 // bits/s, 0 when unknown
	MAC       string // mac_in_use
	Attached  string // external_ids:attached-mac (set by Nova/Neutron)
}

// A qosPort is one Port with its QoS and queues.
type qosPort struct {
	Name       string
	HasQoS     bool
	QoSType    string
	QoSUUID    string
	MaxRate    uint64 // QoS other_config:max-rate in bits/s, 0 when unset
	Queues     []queueConf
	Interfaces []iface
}

// A snapshot is everything read from OVSDB in the one transaction.
type snapshot struct {
	Ports  []qosPort
	Ifaces map[string]iface
	// FlowBridge is set when a flow bridge was asked for and exists; its
	// interfaces are then in BridgeIfaces.
	FlowBridge   string
	BridgeIfaces map[string]bool
	// FlowProtocols is the flow bridge's Bridge.protocols column: the
	// OpenFlow versions it accepts (OpenFlow10 ... OpenFlow15). Empty means
	// OVS's default set, which always includes OpenFlow10.
	FlowProtocols []string
}

// readOVSDB reads Port -> QoS -> Queue and the interfaces in one transaction.
// With port set only that port is selected; otherwise every port that has a
// QoS. With bridge set it also reads which interfaces are on that bridge,
// since OpenFlow port numbers are per bridge.
func readOVSDB(ctx context.Context, target, port, bridge string) (*snapshot, error) {
	c, err := ovsdb.Dial(ctx, target)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	portWhere := []ovsdb.Condition{ovsdb.Where("qos", "!=", []any{"set", []any{}})}
	if port != "" {
		portWhere = []ovsdb.Condition{ovsdb.Where("name", "==", port)}
	}
	ops := []ovsdb.Op{
		ovsdb.Select("Port", []string{"name", "qos", "interfaces"}, portWhere...),
		ovsdb.Select("QoS", []string{"_uuid", "type", "other_config", "queues"}),
		ovsdb.Select("Queue", []string{"_uuid", "other_config"}),
		ovsdb.Select("Interface", []string{"_uuid", "name", "type", "ofport", "link_speed", "mac_in_use", "external_ids"}),
	}
	if bridge != "" {
		ops = append(ops,
			ovsdb.Select("Bridge", []string{"ports", "protocols"}, ovsdb.Where("name", "==", bridge)),
			ovsdb.Select("Port", []string{"_uuid", "interfaces"}))
	}
	res, err := c.Transact(ctx, ovsdb.OpenVSwitch, ops...)
	if err != nil {
		return nil, err
	}
	snap, err := decodeSnapshot(res[0].Rows, res[1].Rows, res[2].Rows, res[3].Rows)
	if err != nil || bridge == "" {
		return snap, err
	}
	return snap, decodeBridge(snap, bridge, res[3].Rows, res[4].Rows, res[5].Rows)
}

// decodeBridge fills in which interfaces are on the flow bridge.
func decodeBridge(snap *snapshot, bridge string, ifaces, bridges, ports []ovsdb.Row) error {
	if len(bridges) == 0 {
		return nil
	}
	names := map[ovsdb.UUID]string{}
	for _, r := range ifaces {
		id, err := r.UUID("_uuid")
		if err != nil {
			return badRow("Interface", err)
		}
		if names[id], err = r.String("name"); err != nil {
			return badRow("Interface", err)
		}
	}
	portIfaces := map[ovsdb.UUID][]ovsdb.UUID{}
	for _, r := range ports {
		id, err := r.UUID("_uuid")
		if err != nil {
			return badRow("Port", err)
		}
		if portIfaces[id], err = r.UUIDs("interfaces"); err != nil {
			return badRow("Port", err)
		}
	}
	onBridge, err := bridges[0].UUIDs("ports")
	if err != nil {
		return badRow("Bridge", err)
	}
	protocols, err := bridges[0].Strings("protocols")
	if err != nil {
		return badRow("Bridge", err)
	}
	snap.FlowBridge, snap.BridgeIfaces, snap.FlowProtocols = bridge, map[string]bool{}, protocols
	for _, p := range onBridge {
		for _, i := range portIfaces[p] {
			snap.BridgeIfaces[names[i]] = true
		}
	}
	return nil
}

// badRow is the error for an OVSDB row whose columns do not have the
// Open_vSwitch schema's types.
func badRow(table string, err error) error {
	return fmt.Errorf("unexpected OVSDB %s row: %v (is this an Open_vSwitch database?)", table, err)
}

// decodeSnapshot turns the four selects into the typed picture.
func decodeSnapshot(ports, qoses, queues, ifaces []ovsdb.Row) (*snapshot, error) {
	qRows, err := decodeQueues(queues)
	if err != nil {
		return nil, err
	}
	qosRows, err := decodeQoS(qoses, qRows)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{Ifaces: map[string]iface{}}
	byUUID, err := decodeInterfaces(ifaces, snap.Ifaces)
	if err != nil {
		return nil, err
	}
	if snap.Ports, err = decodePorts(ports, qosRows, byUUID); err != nil {
		return nil, err
	}
	return snap, nil
}

// decodeQueues maps each Queue row's _uuid to its other_config.
func decodeQueues(queues []ovsdb.Row) (map[ovsdb.UUID]map[string]string, error) {
	qRows := map[ovsdb.UUID]map[string]string{}
	for _, r := range queues {
		id, err := r.UUID("_uuid")
		if err != nil {
			return nil, badRow("Queue", err)
		}
		oc, err := r.StringMap("other_config")
		if err != nil {
			return nil, badRow("Queue", err)
		}
		qRows[id] = oc
	}
	return qRows, nil
}

// A qosRow is one QoS row: its type, other_config:max-rate (bits/s, 0
// when unset) and its queues with their rates, by queue id.
type qosRow struct {
	typ    string
	max    uint64
	queues []queueConf
}

// decodeQoS maps each QoS row's _uuid to its type, max-rate and queues,
// the queues' rates taken from qRows (decodeQueues).
func decodeQoS(qoses []ovsdb.Row, qRows map[ovsdb.UUID]map[string]string) (map[ovsdb.UUID]qosRow, error) {
	qosRows := map[ovsdb.UUID]qosRow{}
	for _, r := range qoses {
		id, err := r.UUID("_uuid")
		if err != nil {
			return nil, badRow("QoS", err)
		}
		typ, err := r.String("type")
		if err != nil {
			return nil, badRow("QoS", err)
		}
		oc, err := r.StringMap("other_config")
		if err != nil {
			return nil, badRow("QoS", err)
		}
		qmap, err := r.IntUUIDMap("queues")
		if err != nil {
			return nil, badRow("QoS", err)
		}
		q := qosRow{typ: typ, max: rateValue(oc["max-rate"])}
		for qid, qu := range qmap {
			if qid < 0 || qid > 0xffffffff {
				continue
			}
			oc := qRows[qu]
			q.queues = append(q.queues, queueConf{ID: uint32(qid), MinRate: rateValue(oc["min-rate"]), MaxRate: rateValue(oc["max-rate"])})
		}
		sort.Slice(q.queues, func(i, j int) bool { return q.queues[i].ID < q.queues[j].ID })
		qosRows[id] = q
	}
	return qosRows, nil
}

// decodeInterfaces decodes the Interface rows into byName (by Interface
// name) and returns them by _uuid as well.
func decodeInterfaces(ifaces []ovsdb.Row, byName map[string]iface) (map[ovsdb.UUID]iface, error) {
	byUUID := map[ovsdb.UUID]iface{}
	for _, r := range ifaces {
		id, err := r.UUID("_uuid")
		if err != nil {
			return nil, badRow("Interface", err)
		}
		ifc, err := decodeInterface(r)
		if err != nil {
			return nil, badRow("Interface", err)
		}
		byUUID[id] = ifc
		byName[ifc.Name] = ifc
	}
	return byUUID, nil
}

// decodeInterface reads the columns of one Interface row this check uses.
func decodeInterface(r ovsdb.Row) (iface, error) {
	var ifc iface
	var err error
	if ifc.Name, err = r.String("name"); err != nil {
		return ifc, err
	}
	if ifc.Type, err = r.String("type"); err != nil {
		return ifc, err
	}
	if ifc.OFPort, err = r.Int("ofport"); err != nil {
		return ifc, err
	}
	speed, err := r.Int("link_speed")
	if err != nil {
		return ifc, err
	}
	if speed > 0 {
		ifc.LinkSpeed = uint64(speed)
	}
	if ifc.MAC, err = r.String("mac_in_use"); err != nil {
		return ifc, err
	}
	ext, err := r.StringMap("external_ids")
	if err != nil {
		return ifc, err
	}
	ifc.Attached = ext["attached-mac"]
	return ifc, nil
}

// decodePorts decodes the Port rows with their interfaces and QoS, sorted
// by name.
func decodePorts(ports []ovsdb.Row, qosRows map[ovsdb.UUID]qosRow, byUUID map[ovsdb.UUID]iface) ([]qosPort, error) {
	var out []qosPort
	for _, r := range ports {
		var p qosPort
		var err error
		if p.Name, err = r.String("name"); err != nil {
			return nil, badRow("Port", err)
		}
		qs, err := r.UUIDs("qos")
		if err != nil {
			return nil, badRow("Port", err)
		}
		ifs, err := r.UUIDs("interfaces")
		if err != nil {
			return nil, badRow("Port", err)
		}
		for _, u := range ifs {
			if ifc, ok := byUUID[u]; ok {
				p.Interfaces = append(p.Interfaces, ifc)
			}
		}
		sort.Slice(p.Interfaces, func(i, j int) bool { return p.Interfaces[i].Name < p.Interfaces[j].Name })
		if len(qs) == 1 {
			q := qosRows[qs[0]]
			p.HasQoS, p.QoSUUID, p.QoSType, p.MaxRate, p.Queues = true, string(qs[0]), q.typ, q.max, q.queues
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// rateValue parses a rate in bits/s as OVS does (smap_get_ullong): a value
// that is not a whole number counts as unset.
func rateValue(s string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0
	}
	return v
}
