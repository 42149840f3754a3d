//go:build !noui

// Package frontend embeds the built web UI (frontend/dist). Build it first
// (make build does); build with -tags noui to compile the UI out.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI with dist/ as its root.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a literal directory embedded above
	}
	return sub
}
