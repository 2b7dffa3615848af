package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// gendocsCommand writes a man page for tapewarden and every subcommand,
// generated from this command tree, so the pages say exactly what --help
// says. Hidden: it is for building the package (contrib/deb/build.sh),
// not for operators.
func (a *app) gendocsCommand() *cobra.Command {
	var manDir string
	cmd := &cobra.Command{
		Use:    "gendocs --man DIR",
		Short:  "Write the man pages of every command into DIR (for packaging)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if manDir == "" {
				return usagef("gendocs: --man DIR is needed (see 'tapewarden gendocs --help')")
			}
			if err := os.MkdirAll(manDir, 0o755); err != nil {
				return fmt.Errorf("gendocs: %w", err)
			}
			header := &doc.GenManHeader{
				Section: "1",
				Source:  "tapewarden " + readBuildInfo().Version,
				Manual:  "tapewarden manual",
			}
			// The page's date is SOURCE_DATE_EPOCH's when it is set, so
			// that a rebuild of the same commit gives the same pages.
			if err := doc.GenManTree(cmd.Root(), header, manDir); err != nil {
				return fmt.Errorf("gendocs: writing man pages into %s: %w", manDir, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "directory for the section 1 pages (created if missing)")
	return cmd
}
