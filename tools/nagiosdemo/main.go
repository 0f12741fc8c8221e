// Command nagiosdemo is what scripts/demo.sh uses to show Nagios' own view
// of the lab: the service table from status.dat, waiting (with forced
// checks) for a service to reach a state, and nova's compute queue with a
// consumer and a backlog.
//
//	nagiosdemo table -status FILE
//	nagiosdemo wait -status FILE -cmd PIPE [-host H -service S] -state OK[,WARNING] [-timeout 90s]
//	nagiosdemo queue -url AMQP_URL -queue NAME consume   (until SIGTERM)
//	nagiosdemo queue -url AMQP_URL -queue NAME publish N
//	nagiosdemo queue -url AMQP_URL -queue NAME purge
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"edgecheck/shared/nagiosstatus"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: nagiosdemo table|wait|queue ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "table":
		err = cmdTable(os.Args[2:], os.Stdout)
	case "wait":
		err = cmdWait(os.Args[2:], os.Stdout)
	case "queue":
		err = cmdQueue(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nagiosdemo:", err)
		os.Exit(1)
	}
}

func cmdTable(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	status := fs.String("status", "", "Nagios status.dat")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := nagiosstatus.ReadFile(*status)
	if err != nil {
		return err
	}
	fmt.Fprint(w, Table(st))
	return nil
}

// Table renders every service as Nagios sees it, one line each, sorted.
func Table(st *nagiosstatus.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %-20s %-9s %-9s %s\n", "HOST", "SERVICE", "STATE", "CHECKED", "OUTPUT (line 1, from Nagios' status.dat)")
	rows := make([]string, 0, len(st.Services))
	for _, s := range st.Services {
		checked := "never"
		if s.HasBeenChecked {
			checked = s.LastCheck.UTC().Format("15:04:05")
		}
		out := s.PluginOutput
		if len(out) > 100 {
			out = out[:100] + "..."
		}
		rows = append(rows, fmt.Sprintf("%-16s %-20s %-9s %-9s %s", s.HostName, s.Description, s.StateName(), checked, out))
	}
	sort.Strings(rows)
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return b.String()
}

func cmdWait(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	status := fs.String("status", "", "Nagios status.dat")
	cmd := fs.String("cmd", "", "Nagios external command pipe, for forced checks")
	host := fs.String("host", "", "host (with -service); without, every service")
	service := fs.String("service", "", "service description")
	state := fs.String("state", "OK", "comma-separated states to wait for")
	timeout := fs.Duration("timeout", 90*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := strings.Split(*state, ",")
	since := time.Now().Truncate(time.Second)
	pipe := nagiosstatus.CommandFile(*cmd)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	lastForce := time.Time{}
	st, err := nagiosstatus.Wait(ctx, *status, 250*time.Millisecond, func(st *nagiosstatus.Status) bool {
		force := *cmd != "" && time.Since(lastForce) > 2*time.Second
		if force {
			lastForce = time.Now()
		}
		done := len(st.Services) > 0
		for _, s := range st.Services {
			if *host != "" && (s.HostName != *host || s.Description != *service) {
				continue
			}
			// One service: only a check run after the wait began counts.
			fresh := *host == "" || !s.LastCheck.Before(since)
			if fresh && s.HasBeenChecked && in(want, s.StateName()) {
				continue
			}
			done = false
			if force {
				_ = pipe.ForceServiceCheck(s.HostName, s.Description)
			}
		}
		if *host != "" {
			if _, ok := st.Service(*host, *service); !ok {
				return false
			}
		}
		return done
	})
	if st != nil && *host != "" {
		if s, ok := st.Service(*host, *service); ok {
			fmt.Fprintf(w, "Nagios: %s/%s is %s - %s\n", s.HostName, s.Description, s.StateName(), s.PluginOutput)
		}
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("not %s after %s", *state, *timeout)
		}
		return err
	}
	return nil
}

func in(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func cmdQueue(args []string) error {
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	url := fs.String("url", "", "AMQP URL with credentials and vhost")
	queue := fs.String("queue", "compute.hv01", "queue name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return errors.New("queue: want consume, publish N or purge")
	}
	conn, err := amqp.Dial(*url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "consume":
		if _, err := ch.QueueDeclare(*queue, false, true, false, false, nil); err != nil {
			return err
		}
		if err := ch.Qos(1, 0, false); err != nil {
			return err
		}
		// Like a stuck nova-compute: it holds one message and acks none,
		// so a backlog stays ready.
		if _, err := ch.Consume(*queue, "nova-compute-demo", false, false, false, false, nil); err != nil {
			return err
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return nil
	case "publish":
		n, err := strconv.Atoi(fs.Arg(1))
		if err != nil {
			return fmt.Errorf("publish: want a count, got %q", fs.Arg(1))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for i := 0; i < n; i++ {
			if err := ch.PublishWithContext(ctx, "", *queue, false, false, amqp.Publishing{Body: []byte("demo backlog")}); err != nil {
				return err
			}
		}
		return nil
	case "purge":
		_, err := ch.QueuePurge(*queue, false)
		return err
	}
	return fmt.Errorf("queue: unknown action %q", fs.Arg(0))
}
