package rabbitmqqueues

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// apiError is the management API's error body, e.g.
// {"error":"not_authorized","reason":"Not management user"} (RabbitMQ
// 3.x/4.x rabbit_mgmt_util: not_authorised/3, bad_request/3).
type apiError struct {
	Error  string `json:"error"`
	Reason string `json:"reason"`
}

// parseAPIError decodes body as the management API's error object; ok is
// false for anything else (an HTML page of a proxy, an empty body).
func parseAPIError(body []byte) (apiError, bool) {
	var e apiError
	if err := json.Unmarshal(bytes.TrimSpace(body), &e); err != nil || (e.Error == "" && e.Reason == "") {
		return apiError{}, false
	}
	return e, true
}

// isAPIError tells whether an error answer is RabbitMQ's own: its JSON
// error object, or no body at all (cowboy's bare status answers, such as
// 414 for a request line over its limit).
func isAPIError(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	_, ok := parseAPIError(body)
	return ok
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// describeBody names a non-API answer in a few words: an HTML page with its
// title, or the first bytes of the text.
func describeBody(body []byte) string {
	if m := titleRE.FindSubmatch(body); m != nil {
		return fmt.Sprintf("an HTML page titled %q", oneLine(string(m[1]), 80))
	}
	if bytes.Contains(bytes.ToLower(body[:min(len(body), 512)]), []byte("<html")) {
		return "an HTML page"
	}
	return fmt.Sprintf("%q", oneLine(string(body), 80))
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// The reasons RabbitMQ gives with HTTP 401 (rabbit_mgmt_util,
// rabbitmq-management 3.8-4.2): a failed login, a user without a
// management tag, a user without permissions on the vhost.
func reasonKind(reason string) string {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "management user"), strings.Contains(r, "not_management"):
		return "tag"
	case strings.Contains(r, "virtual host"), strings.Contains(r, "vhost"):
		return "vhost"
	case strings.Contains(r, "login failed"), strings.Contains(r, "invalid credentials"), strings.Contains(r, "password"):
		return "login"
	}
	return ""
}

// explain401 names the cause of an HTTP 401 from the reason RabbitMQ sent.
// When the reason is missing or new, GET /api/whoami tells a failed login
// (401 again) from an authorisation problem (200: the login is fine).
func (f *fetcher) explain401(ctx context.Context, body []byte) error {
	e, ok := parseAPIError(body)
	kind := reasonKind(e.Reason)
	if !ok && len(bytes.TrimSpace(body)) > 0 {
		return fmt.Errorf("%s answered HTTP 401 with %s, not RabbitMQ's JSON: a proxy or load balancer in front of the broker asks for its own login; check it and --url", f.endpoint, describeBody(body))
	}
	var who *rabbithole.WhoamiInfo
	if kind == "" && ctx.Err() == nil {
		w, err := f.client.Whoami()
		var rme rabbithole.ErrorResponse
		switch {
		case err == nil && w != nil:
			who = w
		case errors.As(err, &rme) && rme.StatusCode == http.StatusUnauthorized:
			_, wbody := f.tr.last()
			if we, ok := parseAPIError(wbody); ok && reasonKind(we.Reason) != "" {
				e, kind = we, reasonKind(we.Reason)
			}
		}
	}
	said := "HTTP 401"
	if e.Reason != "" {
		said = fmt.Sprintf("HTTP 401 %q", e.Reason)
	}
	switch {
	case kind == "tag":
		return fmt.Errorf("RabbitMQ at %s accepted the login of user %q (from %s), but it is not a management user (%s): give it the monitoring tag (rabbitmqctl set_user_tags %s monitoring)", f.endpoint, f.user, f.source, said, f.user)
	case kind == "vhost", who != nil:
		tags := ""
		if who != nil {
			tags = fmt.Sprintf("; GET /api/whoami: login fine, tags %v", []string(who.Tags))
		}
		return fmt.Errorf("RabbitMQ at %s: user %q (from %s) may not access vhost %q (%s%s): rabbitmqctl set_permissions -p %s %s '^$' '^$' '^$'", f.endpoint, f.user, f.source, f.vhost, said, tags, f.vhost, f.user)
	}
	return fmt.Errorf("RabbitMQ at %s refused the login of user %q (%s) from %s: check the username and password there", f.endpoint, f.user, said, f.source)
}

// cnOnly tells whether a certificate names its host only in the subject CN:
// no DNS, IP, URI or e-mail subjectAltName. Go refuses such certificates
// for host verification since Go 1.15 (crypto/x509: "certificate relies on
// legacy Common Name field").
func cnOnly(c *x509.Certificate) bool {
	return c.Subject.CommonName != "" && len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 && len(c.URIs) == 0 && len(c.EmailAddresses) == 0
}

// sanFor is the openssl subjectAltName value for host: IP:addr or DNS:name.
func sanFor(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return "IP:" + strings.Trim(host, "[]")
	}
	return "DNS:" + host
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
