// Package snmp is the thin SNMP client shared by the SNMP checks: one flag
// declaration for the agent and its credentials, credentials from a 0600
// YAML file or the environment, and gosnmp requests whose timeouts and
// retries are derived from the run's deadline so that an agent that does not
// answer is reported by the check, with advice, before --timeout runs out.
package snmp

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gosnmp/gosnmp"

	"edgecheck/shared/credentials"
	"edgecheck/shared/registry"
)

// The environment variables read when no --credentials-file is given.
const (
	EnvCommunity      = "SNMP_COMMUNITY"
	EnvUser           = "SNMP_USER"
	EnvAuthProtocol   = "SNMP_AUTH_PROTOCOL"
	EnvAuthPassphrase = "SNMP_AUTH_PASSPHRASE"
	EnvPrivProtocol   = "SNMP_PRIV_PROTOCOL"
	EnvPrivPassphrase = "SNMP_PRIV_PASSPHRASE"
)

// A Config is where the agent is and how to authenticate to it. It is
// embedded by every SNMP check and bound with Declare.
type Config struct {
	Host            string
	Port            int
	Protocol        string
	CredentialsFile string

	// getenv reads the environment; tests replace it.
	getenv func(string) string
}

// Declare declares -H/--hostname, --port, --protocol and --credentials-file,
// so all SNMP checks share one declaration (and so one generated command).
func (c *Config) Declare(fs *registry.FlagSet) {
	fs.String(&c.Host, "hostname", "", "SNMP agent to query: host name or IP address.").WithShort("H").WithMeta("HOST").MarkRequired()
	fs.Int(&c.Port, "port", 161, "UDP port of the SNMP agent.").WithMeta("PORT")
	fs.String(&c.Protocol, "protocol", "2c", "SNMP version: 2c (community) or 3 (user-based security).").WithMeta("2c|3")
	fs.String(&c.CredentialsFile, "credentials-file", "",
		"YAML file, mode 0600, holding `community` (v2c) or `user`, `auth_protocol`, `auth_passphrase`, `priv_protocol`, `priv_passphrase` (v3). "+
			"Without it the check reads "+EnvCommunity+" or "+EnvUser+", "+EnvAuthProtocol+", "+EnvAuthPassphrase+", "+EnvPrivProtocol+", "+EnvPrivPassphrase+".").WithMeta("FILE")
}

// Validate checks the flags before any I/O.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.Host) == "" {
		return errors.New("--hostname is empty")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("--port %d is not a UDP port (1-65535)", c.Port)
	}
	switch c.Protocol {
	case "2c", "v2c", "3", "v3":
	default:
		return fmt.Errorf("--protocol %q: use 2c or 3", c.Protocol)
	}
	return nil
}

// Address is host:port as shown in messages.
func (c *Config) Address() string {
	if strings.Contains(c.Host, ":") {
		return fmt.Sprintf("[%s]:%d", c.Host, c.Port)
	}
	return fmt.Sprintf("%s:%d", c.Host, c.Port)
}

func (c *Config) v3() bool { return c.Protocol == "3" || c.Protocol == "v3" }

// Credentials are a v2c community or a v3 user. The v3 security level
// follows from which passphrases are present.
type Credentials struct {
	Community      string `yaml:"community"`
	User           string `yaml:"user"`
	AuthProtocol   string `yaml:"auth_protocol"`
	AuthPassphrase string `yaml:"auth_passphrase"`
	PrivProtocol   string `yaml:"priv_protocol"`
	PrivPassphrase string `yaml:"priv_passphrase"`

	source string // where they came from, for messages
}

// SecurityLevel names the v3 level these credentials give.
func (cr Credentials) SecurityLevel() string {
	switch {
	case cr.PrivPassphrase != "":
		return "authPriv"
	case cr.AuthPassphrase != "":
		return "authNoPriv"
	default:
		return "noAuthNoPriv"
	}
}

// LoadCredentials reads the credentials file, or the environment when no
// file is given, and checks they fit --protocol.
func (c *Config) LoadCredentials() (Credentials, error) {
	var cr Credentials
	if c.CredentialsFile != "" {
		if err := credentials.Load(c.CredentialsFile, &cr); err != nil {
			return cr, err
		}
		cr.source = "credentials file " + c.CredentialsFile
	} else {
		env := c.getenv
		if env == nil {
			env = os.Getenv
		}
		cr = Credentials{
			Community:      env(EnvCommunity),
			User:           env(EnvUser),
			AuthProtocol:   env(EnvAuthProtocol),
			AuthPassphrase: env(EnvAuthPassphrase),
			PrivProtocol:   env(EnvPrivProtocol),
			PrivPassphrase: env(EnvPrivPassphrase),
			source:         "environment",
		}
	}
	return cr, cr.check(c.v3())
}

func (cr Credentials) check(v3 bool) error {
	src := cr.source
	if !v3 {
		if cr.Community == "" {
			if cr.User != "" {
				return fmt.Errorf("%s holds a v3 user but no community: add --protocol 3, or set `community` for v2c", src)
			}
			if src == "environment" {
				return fmt.Errorf("no SNMP community: give --credentials-file FILE (YAML `community: ...`, mode 0600) or set %s", EnvCommunity)
			}
			return fmt.Errorf("%s has no `community` for SNMP v2c (for v3 add --protocol 3)", src)
		}
		return nil
	}
	if cr.User == "" {
		if src == "environment" {
			return fmt.Errorf("no SNMPv3 user: give --credentials-file FILE (YAML `user:` ..., mode 0600) or set %s", EnvUser)
		}
		if cr.Community != "" {
			return fmt.Errorf("%s holds a v2c community but --protocol is 3: add `user` (and passphrases) or use --protocol 2c", src)
		}
		return fmt.Errorf("%s has no `user` for SNMPv3", src)
	}
	if (cr.AuthProtocol == "") != (cr.AuthPassphrase == "") {
		return fmt.Errorf("%s: auth_protocol and auth_passphrase go together (one is missing)", src)
	}
	if (cr.PrivProtocol == "") != (cr.PrivPassphrase == "") {
		return fmt.Errorf("%s: priv_protocol and priv_passphrase go together (one is missing)", src)
	}
	if cr.PrivPassphrase != "" && cr.AuthPassphrase == "" {
		return fmt.Errorf("%s: privacy (priv_*) needs authentication (auth_protocol, auth_passphrase) too", src)
	}
	if cr.AuthProtocol != "" {
		if _, err := authProtocol(cr.AuthProtocol); err != nil {
			return fmt.Errorf("%s: %v", src, err)
		}
		if len(cr.AuthPassphrase) < 8 {
			return fmt.Errorf("%s: auth_passphrase is shorter than 8 characters, which SNMPv3 (RFC 3414) does not allow", src)
		}
	}
	if cr.PrivProtocol != "" {
		if _, err := privProtocol(cr.PrivProtocol); err != nil {
			return fmt.Errorf("%s: %v", src, err)
		}
		if len(cr.PrivPassphrase) < 8 {
			return fmt.Errorf("%s: priv_passphrase is shorter than 8 characters, which SNMPv3 (RFC 3414) does not allow", src)
		}
	}
	return nil
}

func normalize(s string) string {
	return strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(s)), "_", "-")
}

func authProtocol(s string) (gosnmp.SnmpV3AuthProtocol, error) {
	switch normalize(s) {
	case "MD5":
		return gosnmp.MD5, nil
	case "SHA", "SHA1", "SHA-1":
		return gosnmp.SHA, nil
	case "SHA-224", "SHA224":
		return gosnmp.SHA224, nil
	case "SHA-256", "SHA256":
		return gosnmp.SHA256, nil
	case "SHA-384", "SHA384":
		return gosnmp.SHA384, nil
	case "SHA-512", "SHA512":
		return gosnmp.SHA512, nil
	}
	return 0, fmt.Errorf("auth_protocol %q is not one of MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512", s)
}

func privProtocol(s string) (gosnmp.SnmpV3PrivProtocol, error) {
	switch normalize(s) {
	case "DES":
		return gosnmp.DES, nil
	case "AES", "AES128", "AES-128":
		return gosnmp.AES, nil
	case "AES-192", "AES192":
		return gosnmp.AES192, nil
	case "AES-256", "AES256":
		return gosnmp.AES256, nil
	case "AES-192-C", "AES192C": // Reeder key extension, as Cisco uses
		return gosnmp.AES192C, nil
	case "AES-256-C", "AES256C":
		return gosnmp.AES256C, nil
	}
	return 0, fmt.Errorf("priv_protocol %q is not one of DES, AES, AES-192, AES-256 (AES-192-C, AES-256-C for Cisco's key extension)", s)
}
