package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
)

func (a *app) daemonCommand() *cobra.Command {
	var demo, noSchedule bool
	var stateDir string
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run the tapewarden service",
		Long: `Run the tapewarden service in the foreground (systemd runs it as
tapewarden.service). With --demo it runs the embedded demonstration
configuration with virtual drives and a virtual autoloader: no root and no
tape hardware needed. The demo's state goes in --state-dir, or in a new
directory it prints; --lang ja runs it in Japanese (its prompts, printouts
and recovery sheet; the web console lets each user choose).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cfg *config.Config
			var err error
			if demo {
				if stateDir == "" {
					if stateDir, err = os.MkdirTemp("", "tapewarden-demo-"); err != nil {
						return err
					}
				}
				if stateDir, err = filepath.Abs(stateDir); err != nil {
					return err
				}
				// The demo keeps its key there from the first start.
				if err := os.MkdirAll(stateDir, 0o750); err != nil {
					return err
				}
				if cfg, err = config.DemoConfig(stateDir); err == nil && a.lang != "" {
					// --lang chooses the language the demo speaks, as
					// language: in a configuration does.
					lang, _ := i18n.Parse(a.lang)
					cfg.Language = string(lang)
				}
			} else {
				if a.lang != "" {
					return usagef("daemon: --lang chooses the demo's language; a configured daemon speaks the language of its configuration (language: %s in %s)", "ja", a.configPath)
				}
				cfg, err = config.LoadConfig(a.configPath)
				if err == nil && stateDir != "" {
					abs, aerr := filepath.Abs(stateDir)
					if aerr != nil {
						return aerr
					}
					cfg.StateDir = abs
				}
			}
			if err != nil {
				return err
			}
			if a.socket != "" {
				cfg.API.Socket = a.socket
			}
			// The log's times are in the configured zone, like every other
			// time a person reads.
			log := slog.New(slog.NewTextHandler(a.errOut, &slog.HandlerOptions{Level: slog.LevelInfo,
				ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
					if len(groups) == 0 && at.Key == slog.TimeKey && at.Value.Kind() == slog.KindTime && cfg.Location != nil {
						at.Value = slog.TimeValue(at.Value.Time().In(cfg.Location))
					}
					return at
				}}))
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			var d *daemon.Daemon
			d, err = daemon.New(ctx, cfg, daemon.Options{Logger: log, NoSchedule: noSchedule, Ready: func(socket, metrics string) {
				a.announce(cfg, d, socket, metrics)
			}})
			if err != nil {
				return err
			}
			return d.Run(ctx)
		},
	}
	cmd.Flags().BoolVar(&demo, "demo", false, "run the embedded demonstration configuration")
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "state directory (overrides the configuration's)")
	cmd.Flags().BoolVar(&noSchedule, "no-schedule", false, "start no scheduled run (a maintenance window; missed slots are recorded at the next normal start)")
	return cmd
}

// announce tells the person who started the daemon where to reach it.
func (a *app) announce(cfg *config.Config, d *daemon.Daemon, socket, metrics string) {
	w := a.out
	if cfg.Demo {
		fmt.Fprintf(w, "tapewarden %s demo is running.\n", config.Version)
		fmt.Fprintf(w, "  state directory: %s\n", cfg.StateDir)
	} else {
		fmt.Fprintf(w, "tapewarden %s is running.\n", config.Version)
	}
	fmt.Fprintf(w, "  API socket:      %s\n", socket)
	if metrics != "" {
		fmt.Fprintf(w, "  metrics:         http://%s/metrics\n", metrics)
	} else {
		fmt.Fprintf(w, "  metrics:         on the API socket only (metrics.listen is not set)\n")
	}
	if l := d.Listener(); l.URL != "" {
		fmt.Fprintf(w, "  HTTPS:           %s\n", l.URL)
		fmt.Fprintf(w, "  certificate:     SHA-256 %s\n", l.Fingerprint)
		if l.SelfSigned {
			fmt.Fprintf(w, "                   (self-signed: the browser warns once; compare this fingerprint)\n")
		}
	}
	if user, password := d.DemoLogin(); password != "" {
		fmt.Fprintf(w, "  sign in as:      %s, password %s (shown this once)\n", user, password)
	}
	if cfg.Demo {
		fmt.Fprintf(w, "In another terminal:\n  export TAPEWARDEN_SOCKET=%s\n  tapewarden status\n  tapewarden media list\n", socket)
	}
	if f, ok := w.(*os.File); ok {
		_ = f.Sync() // best effort before the daemon's log takes over; a terminal cannot be synced
	}
}

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check the configuration"}
	var demo bool
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration file without starting anything (exit 0 or 2)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			name := a.configPath
			if demo {
				_, err = config.DemoConfig("/nonexistent")
				name = "the embedded demo configuration"
			} else {
				_, err = config.LoadConfig(a.configPath)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s: ok\n", name)
			return nil
		},
	}
	check.Flags().BoolVar(&demo, "demo", false, "check the embedded demo configuration")
	cmd.AddCommand(check)
	return cmd
}
