//go:build !noui

// Package frontend embeds the built web UI. Vite writes it to dist/app
// (ignored by git); dist/placeholder.html is committed, so a fresh clone is a
// Go module that builds, vets and tests before the frontend is built. Such a
// binary serves the placeholder page instead of the app. Build with -tags
// noui to compile the UI out.
package frontend

import (
	"embed"
	"io/fs"
	"testing/fstest"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI with dist/app as its root, or, when the UI was not
// built before this binary was compiled, a file system whose index.html is
// the placeholder page.
func FS() fs.FS {
	if _, err := fs.Stat(dist, "dist/app/index.html"); err == nil {
		sub, err := fs.Sub(dist, "dist/app")
		if err != nil {
			panic(err) // "dist/app" exists, checked above
		}
		return sub
	}
	page, err := dist.ReadFile("dist/placeholder.html")
	if err != nil {
		panic(err) // committed next to this file
	}
	return fstest.MapFS{"index.html": {Data: page}}
}

// Built reports whether the real UI was embedded (not the placeholder).
func Built() bool {
	_, err := fs.Stat(dist, "dist/app/index.html")
	return err == nil
}
