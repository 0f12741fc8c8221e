package command

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestOutput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		argv    []string
		wantOut string
		wantErr string // "" when the run succeeds
	}{
		{name: "stdout", argv: []string{"echo", "a|b", "c"}, wantOut: "a|b c\n"},
		// No shell: metacharacters reach the program as they are.
		{name: "no shell", argv: []string{"echo", "$HOME;", "`id`"}, wantOut: "$HOME; `id`\n"},
		{name: "stderr kept", argv: []string{"sh", "-c", "echo first >&2; echo second >&2; exit 2"},
			wantErr: "sh: exit status 2: first ..."},
		{name: "stdout when stderr is empty", argv: []string{"sh", "-c", "echo only-out; exit 1"},
			wantOut: "only-out\n", wantErr: "sh: exit status 1: only-out"},
		{name: "silent failure", argv: []string{"false"}, wantErr: "false: exit status 1"},
		{name: "not found", argv: []string{"/nonexistent/edgecheck-helper"}, wantErr: "/nonexistent/edgecheck-helper: fork/exec /nonexistent/edgecheck-helper: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Output(ctx, tt.argv...)
			if string(out) != tt.wantOut {
				t.Errorf("stdout %q, want %q", out, tt.wantOut)
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("err %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestOutputErrorUnwraps(t *testing.T) {
	_, err := Output(context.Background(), "false")
	var exitErr *exec.ExitError
	var cmdErr *Error
	if !errors.As(err, &exitErr) || !errors.As(err, &cmdErr) || cmdErr.Argv[0] != "false" {
		t.Fatalf("err %v (%T)", err, err)
	}
	if _, err := Output(context.Background()); err == nil {
		t.Error("no argv: want an error")
	}
}

func TestOutputHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Output(ctx, "sleep", "5"); err == nil {
		t.Fatal("a cancelled context must stop the program")
	}
}

func TestFirstLine(t *testing.T) {
	long := strings.Repeat("x", 130)
	for _, tt := range []struct{ in, want string }{
		{"  one  ", "one"},
		{"one\ntwo", "one ..."},
		{long, strings.Repeat("x", 120) + "..."},
	} {
		if got := FirstLine(tt.in); got != tt.want {
			t.Errorf("FirstLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
