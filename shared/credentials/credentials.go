// Package credentials loads secrets for checks. Secrets never come from the
// command line, because Nagios command lines are visible in ps: they come
// from a YAML file that only its owner can read, or from the environment.
package credentials

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
)

// Load decodes the YAML credentials file at path into out (a struct with
// yaml tags). It refuses a file that group or others can read, and names
// the fix. Unknown keys are rejected so that a typo is not silently ignored.
func Load(path string, out any) error {
	f, err := os.Open(path)
	if err != nil {
		if os.IsPermission(err) {
			return fmt.Errorf("credentials file %s: permission denied (run the check as the user that owns it)", path)
		}
		return fmt.Errorf("credentials file %s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("credentials file %s: %v", path, err)
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("credentials file %s is mode %04o, readable by group or others; run: chmod 600 %s", path, mode, path)
	}
	data := make([]byte, 0, st.Size())
	buf := make([]byte, 4096)
	for {
		n, rerr := f.Read(buf)
		data = append(data, buf[:n]...)
		if rerr != nil {
			break
		}
		if len(data) > 1<<20 {
			return fmt.Errorf("credentials file %s is larger than 1 MiB", path)
		}
	}
	if err := yaml.UnmarshalWithOptions(data, out, yaml.Strict()); err != nil {
		// Line, column and reason only: the source excerpt go-yaml can add
		// would print the file's secrets (the bad line and its neighbours)
		// into the plugin output, which Nagios logs and sends in alerts.
		return fmt.Errorf("credentials file %s: %s", path, oneLine(yaml.FormatError(err, false, false)))
	}
	return nil
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
