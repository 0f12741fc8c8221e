package snmp

import (
	"strings"
	"testing"
)

// TestCredentialsNotString: the SNMP credentials file goes through
// shared/credentials, so a passphrase YAML would retype (an unquoted
// 01234567 is the octal integer 342391, !Qaz2wsx a tag with an empty value)
// is refused with its line and column and "quote it", never sent changed.
func TestCredentialsNotString(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"user: u\nauth_protocol: SHA\nauth_passphrase: 01234567\n", ":3:18: auth_passphrase is not a string in YAML (an integer"},
		{"user: u\nauth_protocol: SHA\nauth_passphrase: authpass1\npriv_protocol: AES\npriv_passphrase: !Qaz2wsx\n", ":5:18: priv_passphrase is not a string in YAML (a tag"},
		{"community: 0123\n", ":1:12: community is not a string in YAML (an integer"},
	} {
		c := &Config{Host: "h", Port: 161, Protocol: "3", CredentialsFile: writeCreds(t, 0o600, tc.file)}
		if strings.HasPrefix(tc.file, "community") {
			c.Protocol = "2c"
		}
		_, err := c.LoadCredentials()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "quote it") {
			t.Errorf("%q: err = %v, want %q and quote it", tc.file, err, tc.want)
		}
	}
	c := &Config{Host: "h", Port: 161, Protocol: "3", CredentialsFile: writeCreds(t, 0o600, "user: u\nauth_protocol: SHA\nauth_passphrase: \"01234567\"\n")}
	if cr, err := c.LoadCredentials(); err != nil || cr.AuthPassphrase != "01234567" {
		t.Errorf("quoted: %q, %v", cr.AuthPassphrase, err)
	}
}
