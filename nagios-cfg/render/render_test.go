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

// TestEscapes pins each run mode's escaping to what the real daemons were
// seen to do (TestArgvRoundTripIntegration runs them): Nagios keeps a
// backslash in a check_command argument except before '!' and ';', NRPE
// reads $$ as '$', snmpd takes the character after a backslash literally.
func TestEscapes(t *testing.T) {
	for _, tc := range []struct {
		name, in, nagios, nrpe, snmpd string
	}{
		{"plain", "--db=unix:/run/db.sock", "--db=unix:/run/db.sock", "--db=unix:/run/db.sock", "--db=unix:/run/db.sock"},
		{"regex", "--re=^(eth|bond)[0-9]+", "'--re=^(eth|bond)[0-9]+'", "'--re=^(eth|bond)[0-9]+'", "--re=^(eth|bond)[0-9]+"},
		{"blanks", "--n=a b\tc", "'--n=a b\tc'", "'--n=a b\tc'", "--n=a\\ b\\\tc"},
		{"quote", "--n=it's", `'--n=it'"'"'s'`, `'--n=it'"'"'s'`, `--n=it\'s`},
		{"dollar", "--n=$HOME", "'--n=$$HOME'", "'--n=$$HOME'", "--n=$HOME"},
		{"bang semicolon backslash", `--n=a!b;c\d`, `'--n=a\!b\;c\d'`, `'--n=a!b;c\d'`, `--n=a!b;c\\d`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nagiosArgEscaper.Replace(shellQuote(tc.in)); got != tc.nagios {
				t.Errorf("Nagios argument %s, want %s", got, tc.nagios)
			}
			if got := nrpeWord(tc.in); got != tc.nrpe {
				t.Errorf("NRPE word %s, want %s", got, tc.nrpe)
			}
			if got := snmpdWord(tc.in); got != tc.snmpd {
				t.Errorf("snmpd word %s, want %s", got, tc.snmpd)
			}
		})
	}
}
