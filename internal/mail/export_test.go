package mail

// Stopping reports whether Stop has been called.
func (d *Dispatcher) Stopping() bool { return d.stopping() }
