package ovskmod

import (
	"context"
	"errors"

	"edgecheck/shared/ovsdb"
)

// ovsdbVersion reads Open_vSwitch.ovs_version, which ovs-ctl (the init
// script) writes when it starts OVS: the version of the userspace that is
// running, read without starting a process.
func ovsdbVersion(ctx context.Context, target string) (string, error) {
	c, err := ovsdb.Dial(ctx, target)
	if err != nil {
		return "", err
	}
	defer c.Close()
	res, err := c.Transact(ctx, ovsdb.OpenVSwitch, ovsdb.Select("Open_vSwitch", []string{"ovs_version"}))
	if err != nil {
		return "", err
	}
	if len(res[0].Rows) != 1 {
		return "", errors.New("the Open_vSwitch table has no row")
	}
	v, err := res[0].Rows[0].String("ovs_version")
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", errors.New("ovs_version is empty (ovs-ctl writes it when it starts OVS; daemons started another way leave it unset)")
	}
	return v, nil
}
