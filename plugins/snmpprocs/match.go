package snmpprocs

import (
	"path"
	"regexp"
	"strings"
)

// A Selector is one --process NAME or --process-regex REGEX.
type Selector struct {
	Label string         // NAME, or the regex as written; used in output and perfdata
	Name  string         // set for --process
	Re    *regexp.Regexp // set for --process-regex
}

// The hrSWRunTable fields a selector can match, in the order they are tried.
const (
	FieldName       = "hrSWRunName"
	FieldPath       = "hrSWRunPath"
	FieldParameters = "hrSWRunParameters"
)

// Script returns the first word of hrSWRunParameters that is not an
// option: the script an interpreter runs (`python3 -u
// /usr/share/openvswitch/scripts/ovs-xapi-sync --pidfile` gives
// /usr/share/openvswitch/scripts/ovs-xapi-sync), or "".
func Script(parameters string) string {
	for _, w := range strings.Fields(parameters) {
		if !strings.HasPrefix(w, "-") {
			return w
		}
	}
	return ""
}

// Match returns the field through which the selector matches the row, or
// "" when it does not.
//
// --process NAME matches hrSWRunName equal to NAME; else the base name of
// hrSWRunPath equal to NAME (a binary whose name the kernel cut to 15
// characters); else the base name of the script in hrSWRunParameters equal
// to NAME (an interpreted daemon: hrSWRunName and hrSWRunPath say python3).
// --process-regex matches the same three fields, whole, in the same order.
func (s Selector) Match(p Process) string {
	if s.Re != nil {
		switch {
		case s.Re.MatchString(p.Name):
			return FieldName
		case p.Path != "" && s.Re.MatchString(p.Path):
			return FieldPath
		case p.Parameters != "" && s.Re.MatchString(p.Parameters):
			return FieldParameters
		}
		return ""
	}
	switch {
	case p.Name == s.Name:
		return FieldName
	case p.Path != "" && path.Base(p.Path) == s.Name:
		return FieldPath
	}
	// The script must be a path, as init systems and the kernel (for a
	// #! script found in PATH) give it: `vim ovs-xapi-sync` or
	// `tail -f ovs-xapi-sync` typed on the host must not stand in for a
	// dead daemon.
	if script := Script(p.Parameters); strings.Contains(script, "/") && path.Base(script) == s.Name {
		return FieldParameters
	}
	return ""
}
