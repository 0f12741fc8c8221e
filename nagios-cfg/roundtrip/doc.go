// Package roundtrip holds the argv round-trip test of nagios-cfg: it
// renders the project's inventories and one whose values hold every
// character a value may hold, lets the real nagios4, NRPE, snmpd and
// icinga2 run every rendered service once against stub checks that record
// their argv, and compares each recorded argv with the one computed from
// the inventory (roundtrip_integration_test.go).
package roundtrip
