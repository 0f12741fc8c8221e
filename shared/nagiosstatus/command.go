package nagiosstatus

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A CommandFile is Nagios' external command pipe (command_file in
// nagios.cfg).
type CommandFile string

// Line formats one external command as Nagios reads it:
// `[TIMESTAMP] NAME;ARG;ARG`. It refuses arguments that would split the
// command (';') or inject another one (a newline).
func Line(now time.Time, name string, args ...string) (string, error) {
	if name == "" || strings.ContainsAny(name, ";\n\r[] ") {
		return "", fmt.Errorf("invalid external command name %q", name)
	}
	for _, a := range args {
		if strings.ContainsAny(a, ";\n\r") {
			return "", fmt.Errorf("external command %s: argument %q contains ';' or a newline", name, a)
		}
	}
	parts := append([]string{name}, args...)
	return fmt.Sprintf("[%d] %s\n", now.Unix(), strings.Join(parts, ";")), nil
}

// Send writes one external command to the pipe. The pipe is opened without
// blocking, so a Nagios that is not running (no reader) is an error at once
// instead of a hang.
func (c CommandFile) Send(name string, args ...string) error {
	line, err := Line(time.Now(), name, args...)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(string(c), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("nagios command pipe %s has no reader: is Nagios running?", c)
		}
		return fmt.Errorf("nagios command pipe: %w", err)
	}
	defer f.Close()
	// One write of less than PIPE_BUF bytes is atomic, so commands from
	// concurrent writers never interleave.
	if _, err := f.Write([]byte(line)); err != nil {
		return fmt.Errorf("nagios command pipe %s: %w", c, err)
	}
	return nil
}

// ForceServiceCheck schedules an immediate check of one service, regardless
// of its interval (SCHEDULE_FORCED_SVC_CHECK).
func (c CommandFile) ForceServiceCheck(host, service string) error {
	return c.Send("SCHEDULE_FORCED_SVC_CHECK", host, service, strconv.FormatInt(time.Now().Unix(), 10))
}

// ForceHostChecks schedules an immediate check of every service on a host
// (SCHEDULE_FORCED_HOST_SVC_CHECKS).
func (c CommandFile) ForceHostChecks(host string) error {
	return c.Send("SCHEDULE_FORCED_HOST_SVC_CHECKS", host, strconv.FormatInt(time.Now().Unix(), 10))
}

// ForceHostCheck schedules an immediate check of the host itself.
func (c CommandFile) ForceHostCheck(host string) error {
	return c.Send("SCHEDULE_FORCED_HOST_CHECK", host, strconv.FormatInt(time.Now().Unix(), 10))
}
