package validate

import (
	"os"
	"os/user"
	"path/filepath"
)

// SandboxDefines returns the icinga2 -D options that keep `icinga2 daemon
// -C` inside dir and running as the current user.
//
// Icinga 2.13 derives VarsPath and ObjectsPath from CacheDir and ignores
// -DVarsPath/-DObjectsPath, so without -DCacheDir every validation
// overwrote the node's /var/cache/icinga2/icinga2.{vars,debug}, what
// `icinga2 object list` of the live daemon reads. DataDir (api/, certs/),
// LogDir, SpoolDir and InitRunDir (the PID file) move for the same reason,
// and ZonesDir, which would add the node's own zones.d to the validation.
// RunAsUser/RunAsGroup set to the current user make icinga2 skip
// setgroups()/setuid(), which fail for a CI user that is neither root nor
// nagios ("setgroups() failed ... Please re-run this command as a
// privileged user").
func SandboxDefines(dir string) ([]string, error) {
	who, err := user.Current()
	if err != nil {
		return nil, err
	}
	group := who.Gid
	if g, err := user.LookupGroupId(who.Gid); err == nil {
		group = g.Name
	}
	state := filepath.Join(dir, "state")
	defs := []string{"-DRunAsUser=" + who.Username, "-DRunAsGroup=" + group}
	for _, d := range []struct{ name, sub string }{
		{"CacheDir", "cache"},
		{"DataDir", "lib"},
		{"LogDir", "log"},
		{"SpoolDir", "spool"},
		{"InitRunDir", "run"},
		// the daemon also compiles ZonesDir/<zone> for every zone the
		// validated zones.conf names: an empty one, not the node's
		// /etc/icinga2/zones.d, whose objects would clash with the tree's
		{"ZonesDir", "zones.d"},
	} {
		p := filepath.Join(state, d.sub)
		if err := os.MkdirAll(p, 0o750); err != nil {
			return nil, err
		}
		defs = append(defs, "-D"+d.name+"="+p)
	}
	return defs, nil
}
