package main

import "github.com/spf13/cobra"

// policyCommands are the rotation and policy commands: courier plan,
// rotation calendar, policy check, swap-list.
func (a *app) policyCommands() []*cobra.Command { return nil }
