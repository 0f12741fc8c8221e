package snmptest

import (
	"context"
	"testing"

	"github.com/gosnmp/gosnmp"
)

func TestParseCapture(t *testing.T) {
	capture := `.1.3.6.1.2.1.1.3.0 = Timeticks: (14267) 0:02:22.67
.1.3.6.1.2.1.2.2.1.2.1 = Hex-STRING: 6C 6F 
.1.3.6.1.2.1.2.2.1.6.1 = ""
.1.3.6.1.2.1.2.2.1.8.13 = INTEGER: 2
.1.3.6.1.2.1.2.2.1.10.13 = Counter32: 796
.1.3.6.1.2.1.31.1.1.1.6.13 = Counter64: 18446744073709551615
.1.3.6.1.2.1.31.1.1.1.15.13 = Gauge32: 10000
.1.3.6.1.4.1.9.9.46.1.6.1.1.4.10102 = Hex-STRING: 00 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 
`
	vars, err := Parse(capture)
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 8 {
		t.Fatalf("got %d vars", len(vars))
	}
	a := New(vars...)
	got, _ := a.Get(context.Background(), ".1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.2.2.1.2.1", ".1.3.6.1.2.1.99.0")
	if u, ok := got[0].Uint(); !ok || u != 14267 {
		t.Errorf("sysUpTime = %d %v", u, ok)
	}
	if b, _ := got[1].Bytes(); string(b) != "lo" {
		t.Errorf("ifDescr = %q", b)
	}
	if got[2].Type != gosnmp.NoSuchInstance {
		t.Errorf("missing OID type = %v", got[2].Type)
	}
	walk, _ := a.Walk(context.Background(), ".1.3.6.1.4.1.9.9.46.1.6.1.1.4")
	if len(walk) != 1 {
		t.Fatalf("walk = %v", walk)
	}
	if b, _ := walk[0].Bytes(); len(b) != 32 || b[1] != 0x20 || b[31] != 0x01 {
		t.Errorf("wrapped hex string decoded to % x", b)
	}
	if u, _ := vars[5].Uint(); u != 18446744073709551615 {
		t.Errorf("Counter64 = %d", u)
	}
}

func TestWalkOrderIsNumeric(t *testing.T) {
	a := New(Integer(".1.3.6.1.2.1.2.2.1.8.10", 1), Integer(".1.3.6.1.2.1.2.2.1.8.9", 1), Integer(".1.3.6.1.2.1.2.2.1.8.100", 1))
	vars, _ := a.Walk(context.Background(), ".1.3.6.1.2.1.2.2.1.8")
	var got []string
	for _, v := range vars {
		idx, _ := v.Index(".1.3.6.1.2.1.2.2.1.8")
		got = append(got, idx)
	}
	if len(got) != 3 || got[0] != "9" || got[1] != "10" || got[2] != "100" {
		t.Errorf("order = %v", got)
	}
}
