package htbdrift

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/vishvananda/netlink"
)

// A tcReader reads links, qdiscs and classes over rtnetlink. *netlink.Handle
// satisfies it; unit tests substitute failures such as EPERM.
type tcReader interface {
	LinkByName(name string) (netlink.Link, error)
	QdiscList(link netlink.Link) ([]netlink.Qdisc, error)
	ClassList(link netlink.Link, parent uint32) ([]netlink.Class, error)
}

// nlReader is the production tcReader on the package's default handle.
type nlReader struct{}

func (nlReader) LinkByName(name string) (netlink.Link, error) { return netlink.LinkByName(name) }
func (nlReader) QdiscList(l netlink.Link) ([]netlink.Qdisc, error) {
	return netlink.QdiscList(l)
}
func (nlReader) ClassList(l netlink.Link, parent uint32) ([]netlink.Class, error) {
	return netlink.ClassList(l, parent)
}

// A tcClass is one kernel class, rates in bytes/s as netlink returns them.
type tcClass struct {
	Handle uint32
	Parent uint32
	Kind   string
	Rate   uint64
	Ceil   uint64
}

// A kernelView is what the kernel has on one interface.
type kernelView struct {
	Name      string
	Missing   bool // no such link
	MTU       int
	RootKind  string // "" when there is no root qdisc
	RootQdisc uint32 // handle of the root qdisc
	Classes   map[uint32]tcClass
}

// errNotFound tells a missing link from other netlink failures.
func isLinkNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, syscall.ENODEV)
}

// readKernel reads one interface's root qdisc and classes: one link lookup,
// one qdisc dump and one class dump.
func readKernel(r tcReader, name string) (kernelView, error) {
	kv := kernelView{Name: name, Classes: map[uint32]tcClass{}}
	link, err := r.LinkByName(name)
	if err != nil {
		if isLinkNotFound(err) {
			kv.Missing = true
			return kv, nil
		}
		return kv, netlinkError("looking up link "+name, err)
	}
	kv.MTU = link.Attrs().MTU
	qdiscs, err := r.QdiscList(link)
	if err != nil {
		return kv, netlinkError("listing qdiscs on "+name, err)
	}
	for _, q := range qdiscs {
		if q.Attrs().Parent == netlink.HANDLE_ROOT {
			kv.RootKind, kv.RootQdisc = q.Type(), q.Attrs().Handle
		}
	}
	classes, err := r.ClassList(link, 0)
	if err != nil {
		return kv, netlinkError("listing tc classes on "+name, err)
	}
	for _, c := range classes {
		a := c.Attrs()
		tc := tcClass{Handle: a.Handle, Parent: a.Parent, Kind: c.Type()}
		if h, ok := c.(*netlink.HtbClass); ok {
			tc.Rate, tc.Ceil = h.Rate, h.Ceil
		}
		kv.Classes[a.Handle] = tc
	}
	return kv, nil
}

// netlinkError words a netlink failure for a first responder.
func netlinkError(doing string, err error) error {
	switch {
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("netlink: permission denied %s: run the check as root or with CAP_NET_ADMIN (e.g. through sudo in the NRPE command)", doing)
	case errors.Is(err, syscall.EPROTONOSUPPORT), errors.Is(err, syscall.EAFNOSUPPORT):
		return fmt.Errorf("netlink: %s: rtnetlink is not available here (%v); the check must run on the hypervisor itself", doing, err)
	}
	return fmt.Errorf("netlink: %s: %v", doing, err)
}

// handleString renders a tc handle as tc prints it: 1:367c.
func handleString(h uint32) string {
	return fmt.Sprintf("%x:%x", h>>16, h&0xffff)
}
