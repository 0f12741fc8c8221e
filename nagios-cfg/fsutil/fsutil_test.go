package fsutil

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSwapReplacesWholeTree(t *testing.T) {
	parent := t.TempDir()
	target := filepath.Join(parent, "conf.d")

	// First install: the target does not exist yet.
	staged, err := TempSibling(target)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFiles(staged, map[string][]byte{"a.cfg": []byte("1"), "sub/b.cfg": []byte("2")}); err != nil {
		t.Fatal(err)
	}
	if err := Swap(staged, target); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFiles(target)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string][]byte{"a.cfg": []byte("1"), "sub/b.cfg": []byte("2")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first install: %v", got)
	}

	// Second install replaces everything; nothing of the old tree stays.
	staged, err = TempSibling(target)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFiles(staged, map[string][]byte{"c.cfg": []byte("3")}); err != nil {
		t.Fatal(err)
	}
	if err := Swap(staged, target); err != nil {
		t.Fatal(err)
	}
	got, _ = ReadFiles(target)
	if want := map[string][]byte{"c.cfg": []byte("3")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("second install: %v", got)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "conf.d" {
		t.Errorf("left behind: %v", entries)
	}
}

func TestReadFilesSkipsHidden(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFiles(dir, map[string][]byte{"x": []byte("1"), ".git/HEAD": []byte("ref"), ".swp": []byte("")}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got["x"]) != "1" {
		t.Errorf("got %v", got)
	}
}
