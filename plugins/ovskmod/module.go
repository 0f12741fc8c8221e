package ovskmod

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// maxModuleSize bounds how much of a (decompressed) module is read. The
// openvswitch module is a few hundred KiB; a debug build is a few MiB.
const maxModuleSize = 64 << 20

// moduleNames are the file names modprobe accepts for the openvswitch
// module, uncompressed first.
var moduleNames = []string{"openvswitch.ko", "openvswitch.ko.xz", "openvswitch.ko.zst", "openvswitch.ko.gz"}

// A moduleStatus is what was found for one kernel release.
type moduleStatus struct {
	Release  string
	Path     string // root-relative, e.g. /lib/modules/REL/updates/dkms/openvswitch.ko.xz
	Vermagic string
	// Version is the module's modinfo version= (MODULE_VERSION); the
	// in-tree openvswitch module has none, OVS's own datapath has the OVS
	// release.
	Version string
	Builtin bool
	// NoModulesDir is set when /lib/modules/REL does not exist at all.
	NoModulesDir bool
	// Problem says why the module does not match ("" when it does).
	Problem string
	// Err is set when the module could not be judged (unreadable file,
	// unsupported compression): the check then cannot tell.
	Err error
}

// OutOfTree reports whether the module is an out-of-tree build that depmod
// prefers over the kernel's own: updates/ (DKMS builds go to updates/dkms)
// or extra/ (kmod packages).
func (m moduleStatus) OutOfTree() bool {
	return strings.Contains(m.Path, "/updates/") || strings.Contains(m.Path, "/extra/")
}

// InTree reports whether the module is the kernel's own
// kernel/net/openvswitch one.
func (m moduleStatus) InTree() bool { return strings.Contains(m.Path, "/kernel/net/openvswitch/") }

// VersionText is the module's version for messages.
func (m moduleStatus) VersionText() string {
	if m.Version == "" {
		return "no version: the kernel's own"
	}
	return "version " + m.Version
}

// OK reports whether the kernel has a usable openvswitch module.
func (m moduleStatus) OK() bool { return m.Err == nil && m.Problem == "" }

// Describe is the module part of an item line.
func (m moduleStatus) Describe() string {
	switch {
	case m.Err != nil:
		return m.Err.Error()
	case m.Builtin:
		return "openvswitch is built into the kernel (modules.builtin)"
	case m.Problem != "":
		return m.Problem
	case m.Version != "":
		return fmt.Sprintf("%s, version %s, vermagic %s", m.Path, m.Version, m.Vermagic)
	default:
		return fmt.Sprintf("%s, vermagic %s", m.Path, m.Vermagic)
	}
}

// findModule looks for the openvswitch module of release under root the way
// depmod ranks it: updates/ (which holds DKMS builds in updates/dkms) first,
// then extra/ (out-of-tree packages such as kmod-openvswitch), then the
// in-tree kernel/net/openvswitch/. It then checks the module's vermagic.
func findModule(root, release string) moduleStatus {
	st := moduleStatus{Release: release}
	rel := filepath.Join("/lib/modules", release)
	dir := filepath.Join(root, rel)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			st.NoModulesDir = true
			st.Problem = fmt.Sprintf("no modules directory %s", rel)
			return st
		}
		st.Err = fmt.Errorf("cannot read %s: %v", rel, err)
		return st
	}
	if builtin, err := builtinOVS(filepath.Join(dir, "modules.builtin")); err != nil {
		st.Err = err
		return st
	} else if builtin {
		st.Builtin = true
		return st
	}
	var found string
	for _, sub := range []string{"updates", "extra"} {
		p, err := searchTree(filepath.Join(dir, sub))
		if err != nil {
			st.Err = fmt.Errorf("cannot search %s/%s: %v", rel, sub, err)
			return st
		}
		if p != "" {
			found = p
			break
		}
	}
	if found == "" {
		for _, n := range moduleNames {
			p := filepath.Join(dir, "kernel", "net", "openvswitch", n)
			if _, err := os.Stat(p); err == nil {
				found = p
				break
			}
		}
	}
	if found == "" {
		st.Problem = fmt.Sprintf("no openvswitch module in %s (looked in updates/, extra/, kernel/net/openvswitch/)", rel)
		return st
	}
	st.Path = strings.TrimPrefix(found, strings.TrimSuffix(root, "/"))
	vm, ver, err := readModinfo(found)
	if err != nil {
		st.Err = fmt.Errorf("cannot read vermagic of %s: %v", st.Path, err)
		return st
	}
	st.Vermagic, st.Version = vm, ver
	if got := strings.Fields(vm); len(got) == 0 || got[0] != release {
		st.Problem = fmt.Sprintf("%s has vermagic %q, built for another kernel", st.Path, vm)
	}
	return st
}

// searchTree finds the best openvswitch module file below dir (missing dir:
// ""). Shallower paths win, then the uncompressed name, as modprobe would
// only ever see one of them after depmod.
func searchTree(dir string) (string, error) {
	best, bestDepth, bestRank := "", 1<<30, len(moduleNames)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		for rank, n := range moduleNames {
			if d.Name() != n {
				continue
			}
			depth := strings.Count(p, string(filepath.Separator))
			if depth < bestDepth || depth == bestDepth && rank < bestRank {
				best, bestDepth, bestRank = p, depth, rank
			}
		}
		return nil
	})
	return best, err
}

func builtinOVS(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("cannot read %s: %v", filepath.Base(path), err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasSuffix(strings.TrimSpace(sc.Text()), "/openvswitch.ko") {
			return true, nil
		}
	}
	return false, sc.Err()
}

// ErrUnsupportedCompression is wrapped when a module is compressed in a
// format this build cannot read.
var ErrUnsupportedCompression = errors.New("unsupported module compression")

// readModinfo returns the vermagic and version strings of a kernel module
// file, decompressing .xz, .zst and .gz modules first, as modinfo(8) does.
// version is "" when the module declares none.
func readModinfo(path string) (vermagic, version string, err error) {
	data, err := readModuleFile(path)
	if err != nil {
		return "", "", err
	}
	info := modinfoSection(data)
	vermagic, err = vermagicFromModule(data)
	if err != nil {
		return "", "", err
	}
	version, _ = modinfoField(info, "version")
	return vermagic, version, nil
}

// readModuleFile returns a module file's ELF bytes, decompressed.
func readModuleFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	switch {
	case strings.HasSuffix(path, ".xz"):
		xr, err := xz.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("xz: %v", err)
		}
		r = xr
	case strings.HasSuffix(path, ".zst"):
		zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxModuleSize))
		if err != nil {
			return nil, fmt.Errorf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	case strings.HasSuffix(path, ".gz"):
		gr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gzip: %v", err)
		}
		r = gr
	case strings.HasSuffix(path, ".ko"):
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedCompression, filepath.Base(path))
	}
	data, err := io.ReadAll(io.LimitReader(r, maxModuleSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %v", err)
	}
	if len(data) > maxModuleSize {
		return nil, fmt.Errorf("larger than %d MiB after decompression", maxModuleSize>>20)
	}
	return data, nil
}

// modinfoSection is the ELF .modinfo section of a module, or the whole file
// when it is not ELF or has none.
func modinfoSection(data []byte) []byte {
	if ef, err := elf.NewFile(bytes.NewReader(data)); err == nil {
		if sec := ef.Section(".modinfo"); sec != nil {
			if info, err := sec.Data(); err == nil {
				return info
			}
		}
	}
	return data
}

// vermagicFromModule reads vermagic= from the ELF .modinfo section, where
// modprobe reads it. A file that is not ELF, or has no .modinfo section, is
// scanned for the string instead, so a stripped or odd module still gives an
// answer.
func vermagicFromModule(data []byte) (string, error) {
	if ef, err := elf.NewFile(bytes.NewReader(data)); err == nil {
		if sec := ef.Section(".modinfo"); sec != nil {
			info, err := sec.Data()
			if err == nil {
				if v, ok := modinfoField(info, "vermagic"); ok {
					return v, nil
				}
			}
		}
	}
	if v, ok := modinfoField(data, "vermagic"); ok {
		return v, nil
	}
	return "", errors.New("no vermagic= in the module (not a kernel module?)")
}

// modinfoField returns the value of key in a NUL-separated key=value block.
func modinfoField(info []byte, key string) (string, bool) {
	needle := []byte(key + "=")
	for len(info) > 0 {
		i := bytes.Index(info, needle)
		if i < 0 {
			return "", false
		}
		// Only a match at the start of an entry counts.
		if i == 0 || info[i-1] == 0 {
			rest := info[i+len(needle):]
			if end := bytes.IndexByte(rest, 0); end >= 0 {
				rest = rest[:end]
			}
			v := strings.TrimSpace(string(rest))
			if v != "" {
				return v, true
			}
		}
		info = info[i+len(needle):]
	}
	return "", false
}
