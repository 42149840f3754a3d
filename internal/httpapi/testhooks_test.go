package httpapi

// RouteInfo is one row of an area's route table, with its full path.
type RouteInfo struct{ Method, Path string }

// AreaRoutes lists the rows of every area's route table, as New registers
// them.
func (s *Server) AreaRoutes() []RouteInfo {
	var out []RouteInfo
	for _, area := range s.areas() {
		for _, r := range area {
			out = append(out, RouteInfo{r.method, "/api/v1" + r.path})
		}
	}
	return out
}

// HoldPasswordSlots takes every password slot of the sign-in service, as
// argon2id computations in flight would, and returns the function that
// frees them.
func (s *Server) HoldPasswordSlots() (release func()) {
	return s.deps.SignIn.Slots.HoldAll()
}
