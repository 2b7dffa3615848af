package daemon

import "time"

// timeNow is the wall clock for offline commands, which have no daemon
// clock to inject.
func timeNow() time.Time { return time.Now() }
