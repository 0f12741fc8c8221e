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
