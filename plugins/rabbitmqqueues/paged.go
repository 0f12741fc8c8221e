package rabbitmqqueues

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"edgecheck/shared/nagios"
)

// maxPagedPages is the most pages of one name filter the check reads, the
// first alone and the others concurrently, before it turns to the unpaged
// listings of fetchTotals. Each page costs the broker a sort of the vhost's
// queue records plus the statistics of its own queues (about 0.3 s for a
// page of 500 among 12,000 queues on the lab's RabbitMQ 3.10, 0.4-0.5 s for
// four pages at once), while the unpaged totals listing costs about 2 s
// there, whatever the selection.
const maxPagedPages = 8

// fetchPaged reads each name filter of chunks as paged listings. Page 1
// comes first, alone, unless the filter is the cover of n exact names: the
// n/--page-size pages those names fill at least are then read at once.
// When the filter matches more pages than were read, the others follow
// concurrently, each on a connection of its own. It gives up (ok false, for
// fetchTotals) when a filter spans more than maxPagedPages pages, when the
// broker refuses the filter as too long, or when the matching queues
// changed between the pages (filtered_count differs), since a page could
// then have skipped a queue that exists.
func (f *fetcher) fetchPaged(ctx context.Context, chunks []string) (*listing, bool, error) {
	res := &listing{}
	seen := map[string]bool{}
	for _, rx := range chunks {
		nagios.SetStage(ctx, fmt.Sprintf("querying the queues matching %s in vhost %q at %s", abbrev(rx), f.vhost, f.endpoint))
		read := 1
		if rx == f.cover && f.pageClient != nil {
			read = min(maxPagedPages, max(1, (f.coverNames+f.pageSize-1)/f.pageSize))
		}
		qs, infos, ok, err := f.readPages(ctx, rx, 1, read)
		if err != nil || !ok {
			return nil, false, err
		}
		first := infos[0]
		if first.PageCount > read && len(first.Items) > 0 {
			if first.PageCount > maxPagedPages || f.pageClient == nil {
				return nil, false, nil
			}
			nagios.SetStage(ctx, fmt.Sprintf("querying pages %d to %d of the queues matching %s in vhost %q at %s", read+1, first.PageCount, abbrev(rx), f.vhost, f.endpoint))
			more, moreInfos, ok, err := f.readPages(ctx, rx, read+1, first.PageCount)
			if err != nil || !ok {
				return nil, false, err
			}
			qs, infos = append(qs, more...), append(infos, moreInfos...)
		}
		for _, p := range infos[1:] {
			if p.FilteredCount != first.FilteredCount {
				return nil, false, nil
			}
		}
		res.Pages += len(infos)
		res.Total = first.TotalCount
		for _, q := range qs {
			if !seen[q.Name] {
				seen[q.Name] = true
				res.Queues = append(res.Queues, q)
			}
		}
	}
	return res, true, nil
}

// readPages reads pages from to to of rx: one page on the fetcher's own
// client, several concurrently, each on a client of its own (a transport
// keeps its last body, which convert reads). ok is false when the broker
// refuses the filter as too long.
func (f *fetcher) readPages(ctx context.Context, rx string, from, to int) ([]queue, []rabbithole.PagedQueueInfo, bool, error) {
	if from == to && from == 1 {
		qs, p, err := f.page(rx, f.pageSize)
		switch {
		case err != nil && tooLong(err):
			return nil, nil, false, nil
		case err != nil:
			return nil, nil, false, f.explain(ctx, f.tr, err)
		}
		return qs, []rabbithole.PagedQueueInfo{p}, true, nil
	}
	n := to - from + 1
	pages := make([][]queue, n)
	infos := make([]rabbithole.PagedQueueInfo, n)
	errs := make([]error, n)
	trs := make([]*transport, n)
	// Every client is made before any request starts, so that a failure
	// here leaves no request running.
	cls := make([]*rabbithole.Client, n)
	for i := range n {
		cl, tr, err := f.pageClient()
		if err != nil {
			return nil, nil, false, err
		}
		cls[i], trs[i] = cl, tr
		f.addTransport(tr)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pages[i], infos[i], errs[i] = f.pageOf(cls[i], trs[i], rx, from+i, f.pageSize)
		}()
	}
	wg.Wait()
	var out []queue
	for i := range n {
		switch {
		case errs[i] != nil && tooLong(errs[i]):
			return nil, nil, false, nil
		case errs[i] != nil:
			return nil, nil, false, f.explain(ctx, trs[i], errs[i])
		}
		out = append(out, pages[i]...)
	}
	return out, infos, true, nil
}

// addTransport counts the requests of a transport made for one page.
func (f *fetcher) addTransport(tr *transport) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extra = append(f.extra, tr)
}

// cover is one name regex matching every exact name of the selection (and
// maybe more, which wants filters out here): the names' longest common
// prefix and suffix, ^prefix.*suffix$. A cell's expected hosts share the
// "compute." prefix and their domain, so the cover of 2,000 FQDN hosts
// selects that cell's compute queues, in one filter of a few dozen
// characters instead of 90 regexes of 1,024. "" when the selection has an
// operator's regex, or when the names share nothing.
func (s selection) cover() string {
	if s.all || s.user != nil || len(s.exact) < 2 {
		return ""
	}
	prefix, suffix := s.exact[0], s.exact[0]
	shortest := len(s.exact[0])
	for _, n := range s.exact[1:] {
		prefix = prefix[:commonPrefix(prefix, n)]
		suffix = suffix[len(suffix)-commonSuffix(suffix, n):]
		shortest = min(shortest, len(n))
	}
	// The suffix may not overlap the prefix in the shortest name.
	if len(prefix)+len(suffix) > shortest {
		suffix = suffix[len(prefix)+len(suffix)-shortest:]
	}
	if prefix == "" && suffix == "" {
		return ""
	}
	rx := "^" + regexp.QuoteMeta(prefix) + ".*" + regexp.QuoteMeta(suffix) + "$"
	if len(rx) > maxNameRegex {
		return ""
	}
	return rx
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func commonSuffix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}
