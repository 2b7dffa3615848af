package daemon

// policyRoutes registers the rotation and policy endpoints: the courier
// plan, manifests from the plan, the rotation calendar, the policy check
// and the daily swap list.
func (d *Daemon) policyRoutes(handle func(pattern string, h handler)) {}
