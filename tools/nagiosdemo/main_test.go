package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTableFromCapturedStatus(t *testing.T) {
	var b bytes.Buffer
	if err := cmdTable([]string{"-status", "../../shared/nagiosstatus/testdata/status.dat"}, &b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d lines, want a header and 5 services:\n%s", len(lines), b.String())
	}
	for _, want := range []string{
		"hv-c0001-01      never_checked        PENDING   never",
		"hv-c0001-01      ovs_controller       CRITICAL  ",
		"CRITICAL: controller tcp:127.0.0.1:6653 disconnected",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if err := cmdTable([]string{"-status", "does-not-exist"}, &b); err == nil {
		t.Error("a missing status file did not fail")
	}
}

func TestWaitGivesUpWithTheState(t *testing.T) {
	var b bytes.Buffer
	err := cmdWait([]string{"-status", "../../shared/nagiosstatus/testdata/status.dat", "-host", "hv-c0001-01",
		"-service", "ovs_controller", "-state", "OK", "-timeout", "300ms"}, &b)
	if err == nil || !strings.Contains(err.Error(), "not OK after 300ms") {
		t.Errorf("wait: %v", err)
	}
	if !strings.Contains(b.String(), "hv-c0001-01/ovs_controller is CRITICAL") {
		t.Errorf("wait did not say what Nagios shows: %q", b.String())
	}
}
