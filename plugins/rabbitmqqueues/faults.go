package rabbitmqqueues

import (
	"strings"

	"edgecheck/shared/faults"
	"edgecheck/shared/registry"
)

// faultCases are this check's rows of the fault matrix (tests/faultmatrix):
// what it must say when its peers fail.
func faultCases(f *faults.Fixture) []faults.Case {
	rabbit := func(url string, extra ...string) []string {
		return append([]string{"--url", url, "--credentials-file", f.RabbitCreds, "--host", "hv1"}, extra...)
	}
	return []faults.Case{
		{Name: "management API refused", Kind: faults.KindMissing, Args: rabbit("http://" + f.ClosedTCP), Mention: []string{f.ClosedTCP}},
		{Name: "management API hangs", Kind: faults.KindHang, Args: rabbit("http://" + f.HangTCP), Mention: []string{faults.Stalled}},
		{Name: "HTTP 200 with HTML", Kind: faults.KindGarbage, Args: rabbit(f.GarbageHTTP), Mention: []string{strings.TrimPrefix(f.GarbageHTTP, "http://")}, Forbid: []string{"timed out"}},
		{Name: "not HTTP at all", Kind: faults.KindGarbage, Args: rabbit("http://" + f.GarbageTCP), Mention: []string{f.GarbageTCP}, Forbid: []string{"timed out"}},
		{Name: "HTTP 503", Kind: faults.KindGarbage, Args: rabbit(f.ErrorHTTP), Mention: []string{"503"}},
		{Name: "credentials file mode 0644", Kind: faults.KindPermission,
			Args: []string{"--url", f.GarbageHTTP, "--credentials-file", f.RabbitLoose, "--host", "hv1"}, Mention: []string{f.RabbitLoose, "chmod 600"}},
		{Name: "credentials file missing", Kind: faults.KindMissing,
			Args: []string{"--url", f.GarbageHTTP, "--credentials-file", f.MissingFile, "--host", "hv1"}, Mention: []string{f.MissingFile}},
		{Name: "URL without scheme", Kind: faults.KindBadValue, Args: rabbit("127.0.0.1:15672"), Mention: []string{"--url"}},
		{Name: "bad queue regex", Kind: faults.KindBadValue, Args: rabbit(f.GarbageHTTP, "--queue-regex", "compute.(["), Mention: []string{"--queue-regex"}},
	}
}

func init() { registry.RegisterFaults("check_rabbitmq_queues", faultCases) }
