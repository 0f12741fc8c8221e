package snmpvlans

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeBitmapVLANs10And100(t *testing.T) {
	// VLAN 10: octet 1 (bits 8-15), bit 2 from the MSB -> 0x20.
	// VLAN 100: octet 12 (bits 96-103), bit 4 from the MSB -> 0x08.
	b := make([]byte, 128)
	b[1] = 0x20
	b[12] = 0x08
	if got := DecodeBitmap(b, 0, VTPBlockBits); !reflect.DeepEqual(got, []int{10, 100}) {
		t.Fatalf("got %v, want [10 100]", got)
	}
	if got := DecodeVTP([4][]byte{b}); !reflect.DeepEqual(got, []int{10, 100}) {
		t.Fatalf("DecodeVTP got %v", got)
	}
	if enc := EncodeVTP([]int{10, 100}); !bytes.Equal(enc[0], b) {
		t.Fatalf("EncodeVTP block 0 = % x", enc[0])
	}
}

func TestDecodeVTPAcrossBlockBoundaries(t *testing.T) {
	// 1023 is the last bit of the first block; 1024 and 1025 are bits 0
	// and 1 of the 2k block; 2047 its last bit; 2048 the first of the 3k
	// block; 4094 near the end of the 4k block.
	var blocks [4][]byte
	for k := range blocks {
		blocks[k] = make([]byte, 128)
	}
	blocks[0][127] = 0x01 // 1023
	blocks[1][0] = 0xC0   // 1024, 1025
	blocks[1][127] = 0x01 // 2047
	blocks[2][0] = 0x80   // 2048
	blocks[3][127] = 0x02 // 4094
	want := []int{1023, 1024, 1025, 2047, 2048, 4094}
	if got := DecodeVTP(blocks); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	enc := EncodeVTP(want)
	for k := range blocks {
		if !bytes.Equal(enc[k], blocks[k]) {
			t.Errorf("EncodeVTP block %d differs", k)
		}
	}
}

func TestDecodeVTPIgnoresBitsBeyondABlock(t *testing.T) {
	// A malformed 129-octet block must not leak into the next block's VLANs.
	b := make([]byte, 129)
	b[128] = 0xFF
	if got := DecodeVTP([4][]byte{b}); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
	// A short (truncated) first block and missing companions are fine.
	if got := DecodeVTP([4][]byte{{0x40}}); !reflect.DeepEqual(got, []int{1}) {
		t.Fatalf("got %v", got)
	}
}

func TestPortListHas(t *testing.T) {
	list := []byte{0xC0, 0x01} // ports 1, 2 and 16
	for port, want := range map[int]bool{0: false, 1: true, 2: true, 3: false, 8: false, 9: false, 16: true, 17: false, 100: false} {
		if got := PortListHas(list, port); got != want {
			t.Errorf("port %d: got %v", port, got)
		}
	}
}

func TestParseVLANList(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []int
		wantErr string
	}{
		{"single", "100", []int{100}, ""},
		{"list and range", "100,200-203", []int{100, 200, 201, 202, 203}, ""},
		{"spaces and duplicates", " 5 , 3-5,5 ", []int{3, 4, 5}, ""},
		{"bounds", "1,4094", []int{1, 4094}, ""},
		{"empty", "", nil, "empty VLAN list"},
		{"empty element", "1,,2", nil, "empty element"},
		{"zero", "0", nil, "outside 1-4094"},
		{"4095", "4095", nil, "outside 1-4094"},
		{"backwards", "20-10", nil, "goes backwards"},
		{"word", "ten", nil, "not a VLAN ID"},
		{"negative", "-5", nil, "not a VLAN ID"},
		{"open range", "10-", nil, "not a VLAN ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVLANList(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestFormatVLANList(t *testing.T) {
	tests := []struct {
		in   []int
		want string
	}{
		{nil, "none"},
		{[]int{1}, "1"},
		{[]int{1, 2}, "1,2"},
		{[]int{1, 2, 3}, "1-3"},
		{[]int{210, 1, 10, 100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209}, "1,10,100,200-210"},
		{[]int{3, 3, 4}, "3,4"},
	}
	for _, tt := range tests {
		if got := FormatVLANList(tt.in); got != tt.want {
			t.Errorf("FormatVLANList(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDiff(t *testing.T) {
	missing, extra := Diff([]int{10, 100, 200}, []int{1, 10, 200, 300})
	if !reflect.DeepEqual(missing, []int{100}) || !reflect.DeepEqual(extra, []int{1, 300}) {
		t.Fatalf("missing %v extra %v", missing, extra)
	}
}

func FuzzDecodeVTP(f *testing.F) {
	f.Add([]byte{0x00, 0x20}, []byte{0xC0}, []byte{}, []byte{0x01})
	f.Add(bytes.Repeat([]byte{0xFF}, 130), []byte(nil), []byte{0x80}, bytes.Repeat([]byte{0x55}, 128))
	f.Fuzz(func(t *testing.T, b0, b1, b2, b3 []byte) {
		vlans := DecodeVTP([4][]byte{b0, b1, b2, b3})
		for i, v := range vlans {
			if v < 0 || v > MaxVLAN {
				t.Fatalf("VLAN %d out of range", v)
			}
			if i > 0 && v <= vlans[i-1] {
				t.Fatalf("not strictly increasing: %v", vlans)
			}
		}
		// Encoding what was decoded gives back each block's first 128
		// octets, so no bit is lost or invented.
		enc := EncodeVTP(vlans)
		for k, b := range [4][]byte{b0, b1, b2, b3} {
			want := make([]byte, 128)
			copy(want, b)
			if !bytes.Equal(enc[k], want) {
				t.Fatalf("block %d round trip differs", k)
			}
		}
	})
}

func FuzzParseVLANList(f *testing.F) {
	for _, s := range []string{"100,200-210", "1", "4094", "1-4094", " 5 , 3-5", "0", "20-10", ",", "1,,2", "-1", "10-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vlans, err := ParseVLANList(s)
		if err != nil {
			return
		}
		if len(vlans) == 0 {
			t.Fatal("no error and no VLANs")
		}
		for i, v := range vlans {
			if v < 1 || v > 4094 || i > 0 && v <= vlans[i-1] {
				t.Fatalf("bad result %v", vlans)
			}
		}
		again, err := ParseVLANList(FormatVLANList(vlans))
		if err != nil || !reflect.DeepEqual(again, vlans) {
			t.Fatalf("format/parse round trip: %v -> %q -> %v %v", vlans, FormatVLANList(vlans), again, err)
		}
	})
}
