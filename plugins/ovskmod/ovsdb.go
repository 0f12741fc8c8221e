package ovskmod

import "context"

// ovsdbVersion reads Open_vSwitch.ovs_version; nil until wired to shared/ovsdb.
var ovsdbVersion func(ctx context.Context, db string) (string, error)
