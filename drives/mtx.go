package drives

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MTXChanger drives a SCSI medium changer by running the mtx program
// (Debian package "mtx") against its SCSI generic node, e.g.
// /dev/tape/by-id/scsi-<serial>-changer.
//
// Commands are serialised: one mtx runs at a time per MTXChanger, so use one
// MTXChanger per library. Each run has a timeout; stdout and stderr are
// captured separately. NOT READY and UNIT ATTENTION failures are retried
// with back-off, and a status that lost every barcode (mtx's silent retry
// without barcodes after a UNIT ATTENTION) is read again. The changer never
// hunts through slots: cartridges are found by barcode in the inventory.
type MTXChanger struct {
	device  string
	bin     string
	timeout time.Duration
	tries   int
	backoff time.Duration
	log     *slog.Logger

	mu              sync.Mutex // serialises mtx runs; guards lastHadBarcodes
	lastHadBarcodes bool
}

var (
	_ Changer            = (*MTXChanger)(nil)
	_ ChangerAlertReader = (*MTXChanger)(nil)
)

// ReadChangerAlerts reads the library's TapeAlert page (LOG SENSE 2Eh)
// through the changer's sg node with SG_IO. Reading does not clear the
// library's flags (rig captures sg_logs-tapealert-changer-flag16*.txt). It
// is serialised with the mtx runs.
func (c *MTXChanger) ReadChangerAlerts(ctx context.Context) (ChangerAlertFlags, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	page, err := readLogPage(c.device, pageTapeAlert)
	if err != nil {
		return 0, &ChangerError{Changer: c.device, Op: "tapealert", Message: err.Error(), ASC: -1, ASCQ: -1, Err: ErrChangerFailed}
	}
	f, err := DecodeChangerAlertPage(page)
	if err != nil {
		return 0, &ChangerError{Changer: c.device, Op: "tapealert", Message: err.Error(), ASC: -1, ASCQ: -1, Err: ErrChangerFailed}
	}
	if f != 0 {
		c.log.Warn("changer tapealert", "flags", f.String())
	}
	return f, nil
}

// MTXOption configures an MTXChanger.
type MTXOption func(*MTXChanger)

// WithMTXBinary sets the mtx executable (default "mtx" from PATH).
func WithMTXBinary(path string) MTXOption { return func(c *MTXChanger) { c.bin = path } }

// WithMTXTimeout bounds one mtx run (default 10 minutes: mtx allows 5
// minutes per SCSI command and a move may need more than one).
func WithMTXTimeout(d time.Duration) MTXOption { return func(c *MTXChanger) { c.timeout = d } }

// WithMTXRetry sets how many times a command is tried when the library is
// NOT READY or reports a UNIT ATTENTION (default 6), and the first back-off
// delay, doubled after each try (default 5 s).
func WithMTXRetry(tries int, backoff time.Duration) MTXOption {
	return func(c *MTXChanger) { c.tries, c.backoff = max(tries, 1), backoff }
}

// WithMTXLogger sets the logger.
func WithMTXLogger(l *slog.Logger) MTXOption { return func(c *MTXChanger) { c.log = l } }

// NewMTXChanger returns a changer for the sg device (mtx -f device).
func NewMTXChanger(device string, opts ...MTXOption) *MTXChanger {
	c := &MTXChanger{device: device, bin: "mtx", timeout: 10 * time.Minute, tries: 6, backoff: 5 * time.Second}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("changer", device)
	return c
}

// Inventory runs `mtx status`.
func (c *MTXChanger) Inventory(ctx context.Context) (Inventory, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var inv Inventory
	for attempt := 1; ; attempt++ {
		stdout, stderr, err := c.runRetrying(ctx, "status")
		if err != nil {
			return Inventory{}, err
		}
		inv, err = ParseMTXStatus(stdout)
		if err != nil {
			return Inventory{}, &ChangerError{Changer: c.device, Op: "status", Message: err.Error(), ASC: -1, ASCQ: -1, Err: ErrChangerFailed}
		}
		vanished := inv.hasFull() && !inv.HasBarcodes() &&
			(c.lastHadBarcodes || strings.Contains(stderr, "Unit Attention"))
		if !vanished || attempt >= c.tries {
			break
		}
		c.log.Info("barcodes vanished from mtx status, reading it again", "attempt", attempt)
		if err := sleepCtx(ctx, c.backoff<<(attempt-1)); err != nil {
			return Inventory{}, &ChangerError{Changer: c.device, Op: "status", ASC: -1, ASCQ: -1, Err: err}
		}
	}
	c.lastHadBarcodes = inv.HasBarcodes()
	return inv, nil
}

// Load runs `mtx load <slot> <drive>`.
func (c *MTXChanger) Load(ctx context.Context, slot, drive int) error {
	if slot < 1 || drive < 0 {
		return &ChangerError{Changer: c.device, Op: fmt.Sprintf("load %d %d", slot, drive), ASC: -1, ASCQ: -1, Err: ErrNoSuchElement}
	}
	return c.move(ctx, "load", strconv.Itoa(slot), strconv.Itoa(drive))
}

// Unload runs `mtx unload <slot> <drive>`. Eject the cartridge through the
// drive (Drive.Unload) first: many libraries cannot pull a threaded tape.
func (c *MTXChanger) Unload(ctx context.Context, drive, slot int) error {
	if slot < 1 || drive < 0 {
		return &ChangerError{Changer: c.device, Op: fmt.Sprintf("unload %d %d", slot, drive), ASC: -1, ASCQ: -1, Err: ErrNoSuchElement}
	}
	return c.move(ctx, "unload", strconv.Itoa(slot), strconv.Itoa(drive))
}

// Transfer runs `mtx transfer <from> <to>`.
func (c *MTXChanger) Transfer(ctx context.Context, fromSlot, toSlot int) error {
	if fromSlot < 1 || toSlot < 1 {
		return &ChangerError{Changer: c.device, Op: fmt.Sprintf("transfer %d %d", fromSlot, toSlot), ASC: -1, ASCQ: -1, Err: ErrNoSuchElement}
	}
	return c.move(ctx, "transfer", strconv.Itoa(fromSlot), strconv.Itoa(toSlot))
}

func (c *MTXChanger) move(ctx context.Context, args ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _, err := c.runRetrying(ctx, args...)
	if err == nil {
		c.log.Info("changer move done", "command", strings.Join(args, " "))
	}
	return err
}

func (c *MTXChanger) runRetrying(ctx context.Context, args ...string) (string, string, error) {
	delay := c.backoff
	for attempt := 1; ; attempt++ {
		stdout, stderr, err := c.run(ctx, args...)
		var ce *ChangerError
		if err == nil || !errors.As(err, &ce) || !errors.Is(ce.Err, ErrChangerNotReady) || attempt >= c.tries {
			return stdout, stderr, err
		}
		c.log.Info("changer not ready, retrying", "command", strings.Join(args, " "), "attempt", attempt, "err", err)
		if err := sleepCtx(ctx, delay); err != nil {
			return "", "", &ChangerError{Changer: c.device, Op: strings.Join(args, " "), ASC: -1, ASCQ: -1, Err: err}
		}
		delay *= 2
	}
}

// run executes mtx once.
func (c *MTXChanger) run(ctx context.Context, args ...string) (string, string, error) {
	op := strings.Join(args, " ")
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, c.bin, append([]string{"-f", c.device}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return stdout.String(), stderr.String(), nil
	}
	if rctx.Err() != nil {
		cause := rctx.Err()
		msg := fmt.Sprintf("mtx did not finish within %s", c.timeout)
		if ctx.Err() != nil {
			cause, msg = ctx.Err(), "cancelled"
		}
		return "", "", &ChangerError{Changer: c.device, Op: op, Message: msg, ASC: -1, ASCQ: -1, ExitCode: -1, Err: fmt.Errorf("%w: %w", ErrChangerFailed, cause)}
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return "", "", &ChangerError{Changer: c.device, Op: op, Message: fmt.Sprintf("cannot run %s: %v", c.bin, err), ASC: -1, ASCQ: -1, ExitCode: -1, Err: ErrChangerFailed}
	}
	ce := parseMTXFailure(stderr.String())
	ce.Changer, ce.Op, ce.ExitCode = c.device, op, ee.ExitCode()
	c.log.Warn("mtx failed", "command", op, "exit", ce.ExitCode, "stderr", strings.TrimSpace(stderr.String()))
	return stdout.String(), stderr.String(), ce
}

var (
	reMTXMessage  = regexp.MustCompile(`^\S*mtx: ?(.*)$`)
	reSenseKey    = regexp.MustCompile(`Request Sense: Sense Key=(.*)$`)
	reSenseASC    = regexp.MustCompile(`Request Sense: Additional Sense Code = ([0-9A-Fa-f]{1,2})\s*$`)
	reSenseASCQ   = regexp.MustCompile(`Request Sense: Additional Sense Qualifier = ([0-9A-Fa-f]{1,2})\s*$`)
	reMTXDriveFul = regexp.MustCompile(`^Drive \d+ Full`)
)

// parseMTXFailure reads mtx's stderr: the last "mtx: …" line that is not
// part of a sense dump is the message; the sense dump gives key and
// ASC/ASCQ. It classifies the failure into a sentinel.
func parseMTXFailure(stderr string) *ChangerError {
	ce := &ChangerError{ASC: -1, ASCQ: -1}
	var other string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimRight(line, " \r\t")
		if line == "" {
			continue
		}
		if m := reSenseKey.FindStringSubmatch(line); m != nil {
			ce.SenseKey = m[1]
			continue
		}
		if m := reSenseASC.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseInt(m[1], 16, 32)
			ce.ASC = int(v)
			continue
		}
		if m := reSenseASCQ.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseInt(m[1], 16, 32)
			ce.ASCQ = int(v)
			continue
		}
		if strings.Contains(line, "Request Sense:") {
			continue
		}
		if m := reMTXMessage.FindStringSubmatch(line); m != nil {
			ce.Message = m[1]
		} else {
			other = line
		}
	}
	if ce.Message == "" {
		ce.Message = other
	}
	ce.Err = classifyMTX(ce)
	return ce
}

func classifyMTX(ce *ChangerError) error {
	msg := ce.Message
	sense := func(asc, ascq int) bool { return ce.ASC == asc && ce.ASCQ == ascq }
	switch {
	case reMTXDriveFul.MatchString(msg):
		return ErrDriveFull
	case strings.Contains(msg, "Drive needs offline before move"):
		return ErrDriveNotEjected
	case strings.HasPrefix(msg, "Data Transfer Element") && strings.HasSuffix(msg, "is Empty"):
		return ErrDriveEmpty
	case strings.Contains(msg, "Already Full"), sense(0x3b, 0x0d):
		return ErrDestinationFull
	case strings.HasSuffix(msg, "is Empty"), sense(0x3b, 0x0e):
		return ErrSourceEmpty
	case strings.Contains(msg, "Cleaning Cartridge Installed and Ejected"), sense(0x30, 0x03):
		return ErrCleaningCartridge
	case strings.Contains(msg, "argument") && (strings.HasPrefix(msg, "Invalid") || strings.HasPrefix(msg, "illegal")),
		msg == "Invalid destination", msg == "Invalid source":
		return ErrNoSuchElement
	case strings.Contains(msg, "cannot open SCSI device"):
		return ErrOffline
	case ce.ASC == 0x3a && ce.SenseKey != "" && strings.Contains(ce.SenseKey, "Not Ready") && strings.Contains(msg, "MOVE MEDIUM"):
		return ErrDriveNotEjected
	case ce.retryable():
		return ErrChangerNotReady
	}
	return ErrChangerFailed
}

// retryable reports NOT READY (becoming ready, ASC 04h) and UNIT
// ATTENTION (ASC 28h, 29h) failures.
func (e *ChangerError) retryable() bool {
	if e.ExitCode < 0 {
		return false
	}
	if strings.HasPrefix(e.SenseKey, "Unit Attention") || e.ASC == 0x28 || e.ASC == 0x29 {
		return true
	}
	return e.ASC == 0x04 || (strings.HasPrefix(e.SenseKey, "Not Ready") && e.ASC != 0x3a)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
