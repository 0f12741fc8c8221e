//go:build integration

package ovsdb_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"edgecheck/shared/labtest"
	"edgecheck/shared/ovsdb"
)

func dialLab(t *testing.T) *ovsdb.Client {
	t.Helper()
	env := labtest.Need(t, "OVS_DB")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	c, err := ovsdb.Dial(ctx, env["OVS_DB"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientIntegrationSelect(t *testing.T) {
	c := dialLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	held, err := c.LockHeld(ctx, "ovs_vswitchd")
	if err != nil {
		t.Fatal(err)
	}
	if !held {
		t.Error("LockHeld(ovs_vswitchd) = false with the lab's ovs-vswitchd running")
	}
	res, err := c.Transact(ctx, ovsdb.OpenVSwitch,
		ovsdb.Select("Open_vSwitch", []string{"_uuid", "bridges"}),
		ovsdb.Select("Bridge", []string{"name", "controller"}, ovsdb.Where("name", "==", "br-lab")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res); got != 2 {
		t.Fatalf("got %d results, want 2", got)
	}
	if len(res[0].Rows) != 1 {
		t.Fatalf("Open_vSwitch rows = %d, want 1", len(res[0].Rows))
	}
	if _, err := res[0].Rows[0].UUID("_uuid"); err != nil {
		t.Error(err)
	}
	if len(res[1].Rows) != 1 {
		t.Fatalf("Bridge br-lab rows = %d, want 1", len(res[1].Rows))
	}
	name, err := res[1].Rows[0].String("name")
	if err != nil || name != "br-lab" {
		t.Errorf("name = %q, %v", name, err)
	}
	ctls, err := res[1].Rows[0].UUIDs("controller")
	if err != nil || len(ctls) != 1 {
		t.Errorf("controller = %v, %v; want one uuid", ctls, err)
	}
}

func TestClientIntegrationUnknownTableIsAnError(t *testing.T) {
	c := dialLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Transact(ctx, ovsdb.OpenVSwitch,
		ovsdb.Select("Bridge", []string{"name"}),
		ovsdb.Select("No_Such_Table", nil),
	)
	if !ovsdb.IsServer(err) {
		t.Fatalf("err = %v, want a server error", err)
	}
	var opErr *ovsdb.OpError
	if !errors.As(err, &opErr) || opErr.Index != 1 {
		t.Fatalf("err = %#v, want an OpError for operation index 1", err)
	}
	t.Log(err)
}

func TestClientIntegrationUnknownColumnIsAnError(t *testing.T) {
	c := dialLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Transact(ctx, ovsdb.OpenVSwitch, ovsdb.Select("Bridge", []string{"name", "no_such_column"}))
	var opErr *ovsdb.OpError
	if !errors.As(err, &opErr) || opErr.Index != 0 {
		t.Fatalf("err = %v, want an OpError for operation index 0", err)
	}
}

func TestClientIntegrationMissingSocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	target := "unix:" + filepath.Join(t.TempDir(), "db.sock")
	_, err := ovsdb.Dial(ctx, target)
	if !ovsdb.IsConnect(err) {
		t.Fatalf("err = %v, want a connect error", err)
	}
	want := "cannot connect to OVSDB at " + target + ": no such file (is ovsdb-server running?)"
	if err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}
}

func TestClientIntegrationSilentServerTimesOut(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "silent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	c, err := ovsdb.Dial(ctx, "unix:"+sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Transact(ctx, ovsdb.OpenVSwitch, ovsdb.Select("Bridge", nil))
	if !ovsdb.IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	t.Log(err)
}
