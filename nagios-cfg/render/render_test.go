package render

import "testing"

func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"--db=unix:/run/db.sock", "--db=unix:/run/db.sock"},
		{"--expect=eth0=sw1:Ethernet1/1", "--expect=eth0=sw1:Ethernet1/1"},
		{"--critical=@~:-5", "'--critical=@~:-5'"},
		{"--queue-regex=^compute[.]", "'--queue-regex=^compute[.]'"},
		{"--name=a b", "'--name=a b'"},
		{"", "''"},
		{"--name=it's", `'--name=it'"'"'s'`},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIcingaString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\x`, `"C:\\x"`},
		{"a\nb", `"a\nb"`},
	} {
		if got := istr(tc.in); got != tc.want {
			t.Errorf("istr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestVariableNames(t *testing.T) {
	if got := icingaVar("check_rabbitmq_queues", "warning-ready"); got != "rabbitmq_queues_warning_ready" {
		t.Errorf("icingaVar = %s", got)
	}
}
