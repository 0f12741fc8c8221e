package credentials

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type userPass struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

func write(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "creds.yaml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		mode    os.FileMode
		want    userPass
		wantErr string
	}{
		{name: "owner only", body: "username: mon\npassword: s3cret\n", mode: 0o600, want: userPass{"mon", "s3cret"}},
		{name: "read only owner", body: "username: mon\npassword: x\n", mode: 0o400, want: userPass{"mon", "x"}},
		{name: "group readable", body: "username: mon\n", mode: 0o640, wantErr: "mode 0640, readable by group or others; run: chmod 600"},
		{name: "world readable", body: "username: mon\n", mode: 0o644, wantErr: "mode 0644"},
		{name: "unknown key", body: "username: mon\npassword: s3cret\npasword: typo\n", mode: 0o600, wantErr: "[3:1] unknown field \"pasword\""},
		{name: "not yaml", body: "username: [\npassword: hunter22\n", mode: 0o600, wantErr: "credentials file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got userPass
			err := Load(write(t, tc.body, tc.mode), &got)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				for _, secret := range []string{"s3cret", "hunter22", "typo"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error shows the file's content %q: %q", secret, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v want %+v", got, tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	err := Load(filepath.Join(t.TempDir(), "nope.yaml"), &userPass{})
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("err = %v", err)
	}
}

// TestLoadNotString: values YAML would retype are refused with line, column
// and "quote it" (case rmq/06: 01234567 became 342391, !Qaz2wsx became "").
func TestLoadNotString(t *testing.T) {
	tests := []struct{ body, want string }{
		{"username: mon\npassword: 01234567\n", ":2:11: password is not a string in YAML (an integer"},
		{"username: mon\npassword: !Qaz2wsx\n", ":2:11: password is not a string in YAML (a tag"},
		{"username: mon\npassword: 0x1F\n", "(an integer"},
		{"username: mon\npassword: 1.10\n", "(a number"},
		{"username: mon\npassword: .5\n", "(a number"},
		{"username: mon\npassword: yes\n", ""},
		{"username: mon\npassword: true\n", "(a boolean"},
		{"username: mon\npassword: ~\n", "(null"},
		{"username: 1234\npassword: x\n", ":1:11: username is not a string"},
		{"username: mon\npassword: .inf\n", "(a number"},
	}
	for _, tc := range tests {
		p := write(t, tc.body, 0o600)
		var got userPass
		err := Load(p, &got)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.body, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "quote it") {
			t.Errorf("%q: error %v, want it to contain %q and quote it", tc.body, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "01234567") || strings.Contains(err.Error(), "Qaz2wsx") {
			t.Errorf("%q: the error prints the secret: %v", tc.body, err)
		}
	}
	// Quoted, the same values are the text written.
	for _, pw := range []string{`"01234567"`, `'!Qaz2wsx'`, `"0x1F"`} {
		var got userPass
		if err := Load(write(t, "username: mon\npassword: "+pw+"\n", 0o600), &got); err != nil || got.Password != pw[1:len(pw)-1] {
			t.Errorf("quoted %s: got %q, %v", pw, got.Password, err)
		}
	}
}

// FuzzStrings: the value check never panics, and whatever it accepts as a
// mapping of strings decodes to the same strings.
func FuzzStrings(f *testing.F) {
	for _, s := range []string{"username: mon\npassword: 01234567\n", "password: !Qaz2wsx\n", "a: 'x'\nb: [1, 2]\n", "a: &x 1\nb: *x\n", "{a: ~}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Strings(data)
	})
}
