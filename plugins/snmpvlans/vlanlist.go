package snmpvlans

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MaxVLAN is the highest VLAN ID a bitmap can hold: four 1k blocks.
// IDs 0 and 4095 are reserved by 802.1Q but still decoded, so that a switch
// reporting them is shown rather than hidden.
const MaxVLAN = 4095

// DecodeBitmap returns the numbers of the set bits of an MSB-first bitmap:
// the most significant bit of octet 0 is first+0, its least significant bit
// first+7, the MSB of octet 1 first+8, and so on. At most limit bits are
// read (limit < 0: all).
func DecodeBitmap(b []byte, first, limit int) []int {
	var out []int
	for i, octet := range b {
		if octet == 0 {
			continue
		}
		for bit := 0; bit < 8; bit++ {
			n := i*8 + bit
			if limit >= 0 && n >= limit {
				return out
			}
			if octet&(0x80>>bit) != 0 {
				out = append(out, first+n)
			}
		}
	}
	return out
}

// PortListHas reports whether bridge port (1-based) is set in a Q-BRIDGE
// PortList, where the MSB of the first octet is port 1.
func PortListHas(list []byte, port int) bool {
	if port < 1 {
		return false
	}
	i := (port - 1) / 8
	return i < len(list) && list[i]&(0x80>>((port-1)%8)) != 0
}

// VTPBlockBits is the size of one CISCO-VTP-MIB bitmap: 128 octets, 1024
// VLANs.
const VTPBlockBits = 1024

// DecodeVTP decodes vlanTrunkPortVlansEnabled and its 2k, 3k and 4k
// companions: block k's bit N is VLAN k*1024+N. A missing companion (older
// switches have only the first) is a nil slice.
func DecodeVTP(blocks [4][]byte) []int {
	var out []int
	for k, b := range blocks {
		out = append(out, DecodeBitmap(b, k*VTPBlockBits, VTPBlockBits)...)
	}
	return out
}

// EncodeVTP is the inverse of DecodeVTP, for tests and documentation.
func EncodeVTP(vlans []int) [4][]byte {
	var blocks [4][]byte
	for k := range blocks {
		blocks[k] = make([]byte, VTPBlockBits/8)
	}
	for _, v := range vlans {
		if v < 0 || v > MaxVLAN {
			continue
		}
		k, n := v/VTPBlockBits, v%VTPBlockBits
		blocks[k][n/8] |= 0x80 >> (n % 8)
	}
	return blocks
}

// ParseVLANList parses "100,200-210" (spaces allowed) into sorted,
// de-duplicated VLAN IDs in 1-4094.
func ParseVLANList(s string) ([]int, error) {
	set := map[int]bool{}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty VLAN list (write e.g. 100,200-210)")
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("VLAN list %q has an empty element (write e.g. 100,200-210)", s)
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := vlanID(lo)
		if err != nil {
			return nil, fmt.Errorf("VLAN list %q: %v", s, err)
		}
		b := a
		if isRange {
			if b, err = vlanID(hi); err != nil {
				return nil, fmt.Errorf("VLAN list %q: %v", s, err)
			}
			if b < a {
				return nil, fmt.Errorf("VLAN list %q: range %s goes backwards", s, part)
			}
		}
		for v := a; v <= b; v++ {
			set[v] = true
		}
	}
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Ints(out)
	return out, nil
}

func vlanID(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%q is not a VLAN ID", s)
	}
	if n < 1 || n > 4094 {
		return 0, fmt.Errorf("VLAN %d is outside 1-4094", n)
	}
	return n, nil
}

// FormatVLANList writes sorted VLAN IDs compactly: 1,10,200-210.
func FormatVLANList(vlans []int) string {
	if len(vlans) == 0 {
		return "none"
	}
	s := append([]int(nil), vlans...)
	sort.Ints(s)
	s = dedup(s)
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		switch j - i {
		case 0:
			parts = append(parts, strconv.Itoa(s[i]))
		case 1:
			parts = append(parts, strconv.Itoa(s[i]), strconv.Itoa(s[j]))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", s[i], s[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// Diff returns the expected VLANs that are not carried and the carried
// VLANs that are not expected.
func Diff(expected, carried []int) (missing, extra []int) {
	exp := map[int]bool{}
	for _, v := range expected {
		exp[v] = true
	}
	car := map[int]bool{}
	for _, v := range carried {
		car[v] = true
		if !exp[v] {
			extra = append(extra, v)
		}
	}
	for _, v := range expected {
		if !car[v] {
			missing = append(missing, v)
		}
	}
	sort.Ints(missing)
	sort.Ints(extra)
	return dedup(missing), dedup(extra)
}

func dedup(s []int) []int {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}
