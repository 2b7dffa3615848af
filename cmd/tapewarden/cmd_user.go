package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/media"
)

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Accounts and API tokens for the HTTPS listener (admin)",
		Long: `People who are not at the server use tapewarden over HTTPS (api.listen):
with an account (a name and a password, kept as an argon2id hash) or, for
programs, an API token (random, shown once, kept as its SHA-256, with an
expiry and a role). Roles: admin, operator, auditor, viewer; couriers sign
in with the code printed on their manifest ('manifest courier-code').

A password is never an argument: it is asked on the terminal, twice, or
read from a file descriptor (--password-fd 3 3<file).`,
	}

	var role string
	var passwordFD int
	addCmd := &cobra.Command{
		Use:   "add NAME --role ROLE",
		Short: "Add an account; asks for its password",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if role == "" {
				return usagef("user add: say the account's role (--role admin|operator|auditor|viewer)")
			}
			fd := -1
			if cmd.Flags().Changed("password-fd") {
				fd = passwordFD
			}
			password, err := a.readPassword(fd, "password for "+args[0])
			if err != nil {
				return err
			}
			var acct media.Account
			return show(a, cmd, &acct, func(ctx context.Context, c *client.Client) (media.Account, error) {
				return c.AddUser(ctx, api.UserAddRequest{Name: args[0], Role: role, Password: password})
			}, func(w io.Writer) {
				fmt.Fprintf(w, "account %s added with role %s; it signs in at the HTTPS listener (see 'tapewarden status')\n", acct.Name, acct.Role)
			})
		},
	}
	addCmd.Flags().StringVar(&role, "role", "", "the account's role: admin, operator, auditor or viewer")
	addCmd.Flags().IntVar(&passwordFD, "password-fd", 0, "read the password from this file descriptor (its first line; 0 is standard input) instead of the terminal")

	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List the accounts and the API tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type listing struct {
				Users  []media.Account  `json:"users"`
				Tokens []media.APIToken `json:"tokens"`
			}
			var l listing
			return show(a, cmd, &l, func(ctx context.Context, c *client.Client) (listing, error) {
				u, err := c.Users(ctx)
				if err != nil {
					return listing{}, err
				}
				t, err := c.Tokens(ctx)
				return listing{Users: u.Users, Tokens: t.Tokens}, err
			}, func(w io.Writer) {
				if len(l.Users) == 0 {
					fmt.Fprintln(w, "no accounts; add one with 'tapewarden user add NAME --role ROLE'")
					return
				}
				fmt.Fprintln(w, "NAME\tROLE\tSTATE\tCREATED\tLAST SIGN-IN")
				for _, u := range l.Users {
					state := "active"
					if u.Disabled {
						state = "disabled"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s by %s\t%s\n", u.Name, u.Role, state, when(u.CreatedAt), u.CreatedBy, dash(whenZero(u.LastLogin)))
				}
				if len(l.Tokens) > 0 {
					fmt.Fprintln(w)
					fmt.Fprintln(w, "TOKEN\tACCOUNT\tROLE\tEXPIRES\tSTATE\tNOTE")
					for _, t := range l.Tokens {
						state := "valid"
						switch {
						case !t.RevokedAt.IsZero():
							state = "revoked " + when(t.RevokedAt)
						case time.Now().After(t.ExpiresAt):
							state = "expired"
						}
						fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Account, t.Role, when(t.ExpiresAt), state, dash(t.Note))
					}
				}
			})
		},
	}

	setDisabled := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				var done bool
				return show(a, cmd, &done, func(ctx context.Context, c *client.Client) (bool, error) {
					return true, c.SetUserDisabled(ctx, args[0], disabled)
				}, func(w io.Writer) {
					if disabled {
						fmt.Fprintf(w, "account %s disabled: its sessions ended and its tokens no longer work\n", args[0])
					} else {
						fmt.Fprintf(w, "account %s enabled again\n", args[0])
					}
				})
			},
		}
	}

	var tokenReq api.TokenRequest
	var revoke int64
	tokenCmd := &cobra.Command{
		Use:   "token NAME [--role ROLE] [--expires 90d] | token --revoke ID",
		Short: "Make an API token for an account (shown once), or revoke one",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if revoke != 0 {
				if len(args) > 0 {
					return usagef("user token --revoke takes the token's number only (see 'tapewarden user list')")
				}
				var done bool
				return show(a, cmd, &done, func(ctx context.Context, c *client.Client) (bool, error) {
					return true, c.RevokeToken(ctx, revoke)
				}, func(w io.Writer) { fmt.Fprintf(w, "API token %d revoked\n", revoke) })
			}
			if len(args) != 1 {
				return usagef("user token: name the account (tapewarden user token NAME)")
			}
			var t auth.IssuedToken
			return show(a, cmd, &t, func(ctx context.Context, c *client.Client) (auth.IssuedToken, error) {
				return c.IssueToken(ctx, args[0], tokenReq)
			}, func(w io.Writer) {
				fmt.Fprintf(w, "API token %d for %s, role %s, valid until %s:\n\n", t.ID, t.Account, t.Role, when(t.ExpiresAt))
				fmt.Fprintf(w, "  %s\n\n", t.Token)
				fmt.Fprintln(w, "It is shown this once and kept only as its SHA-256; store it now. Send it as")
				fmt.Fprintln(w, "'Authorization: Bearer TOKEN' to the HTTPS listener (e.g. Prometheus's authorization.credentials_file).")
			})
		},
	}
	tokenCmd.Flags().StringVar(&tokenReq.Role, "role", "", "the token's role (default the account's; an account may always hold a viewer token)")
	tokenCmd.Flags().StringVar(&tokenReq.Expires, "expires", "", "how long the token lives, e.g. 30d or 12h (default 90d, at most 730d)")
	tokenCmd.Flags().StringVar(&tokenReq.Note, "note", "", "what the token is for (e.g. prometheus)")
	tokenCmd.Flags().Int64Var(&revoke, "revoke", 0, "revoke the token with this number instead")

	cmd.AddCommand(addCmd, listCmd, setDisabled("disable", "Disable an account: its sessions end, its tokens stop working", true),
		setDisabled("enable", "Enable a disabled account again", false), tokenCmd)
	return cmd
}

// courierCodeCommand is 'manifest courier-code'.
func (a *app) courierCodeCommand() *cobra.Command {
	var req api.CourierCodeRequest
	cmd := &cobra.Command{
		Use:   "courier-code MANIFEST --courier NAME",
		Short: "Make the one-time sign-in code to print on a manifest, and the courier's PIN",
		Long: `A courier signs in on a phone at the HTTPS listener with the code printed
on the manifest and a PIN told apart from it (by phone, not on the paper).
The sign-in reaches that manifest only: its pick-up and delivery. The code
works once, for 72 hours; three wrong PINs lock it for a minute, then
longer, and ten void it (make a new one).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(req.Courier) == "" {
				return usagef("manifest courier-code: name the courier (--courier NAME)")
			}
			var cc auth.IssuedCourierCode
			return show(a, cmd, &cc, func(ctx context.Context, c *client.Client) (auth.IssuedCourierCode, error) {
				return c.CourierCode(ctx, args[0], req)
			}, func(w io.Writer) {
				fmt.Fprintf(w, "courier code for %s, courier %s, valid until %s (once):\n\n", cc.Manifest, cc.Courier, when(cc.ExpiresAt))
				fmt.Fprintf(w, "  code  %s   (print it on the manifest)\n", cc.Code)
				fmt.Fprintf(w, "  PIN   %s       (tell the courier apart from the paper)\n\n", cc.PIN)
				fmt.Fprintln(w, "Both are shown this once.")
			})
		},
	}
	cmd.Flags().StringVar(&req.Courier, "courier", "", "the courier's name, as the custody log will show it")
	return cmd
}

// whenZero is when(t), or empty for the zero time.
func whenZero(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return when(t)
}

// readPassword reads a new password: from file descriptor fd (its first
// line) when fd >= 0, otherwise from the terminal, twice, without echo.
// A password is never taken from the command line, where ps shows it.
func (a *app) readPassword(fd int, what string) (string, error) {
	if fd >= 0 {
		f := os.NewFile(uintptr(fd), "password-fd")
		if f == nil {
			return "", usagef("--password-fd %d is not an open file descriptor", fd)
		}
		line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the password from file descriptor %d: %w", fd, err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", usagef("file descriptor %d gave an empty password", fd)
		}
		return line, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", usagef("no terminal to ask for the password on; give it on a file descriptor instead: --password-fd 3 3<FILE")
	}
	defer func() { _ = tty.Close() }() // only read from and prompted on
	first, err := askHidden(tty, what+": ")
	if err != nil {
		return "", err
	}
	second, err := askHidden(tty, "again: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", usagef("the two passwords differ; nothing was changed, try again")
	}
	return first, nil
}

// askHidden asks on a terminal with echo off.
func askHidden(tty *os.File, prompt string) (string, error) {
	fd := int(tty.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", usagef("no terminal to ask for the password on; give it on a file descriptor instead: --password-fd 3 3<FILE")
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", err
	}
	defer func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }() // the terminal as it was; nothing to do if it is gone
	fmt.Fprint(tty, prompt)
	line, err := bufio.NewReader(tty).ReadString('\n')
	fmt.Fprintln(tty)
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
