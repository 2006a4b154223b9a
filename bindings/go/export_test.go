package asynckit

// LiveHandles is the number of cgo.Handles the package holds, for the leak checks.
func LiveHandles() int64 { return liveHandles.Load() }
