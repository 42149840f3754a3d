// Package surveys holds the study definition schema and the example studies
// shipped with Expertenrunde, embedded for the server and the CLI.
package surveys

import "embed"

// Schema is the JSON Schema (draft 2020-12) of a study definition.
//
//go:embed schema.json
var Schema []byte

// Examples holds the shipped example studies (*.yaml at the top of this
// directory), e.g. kleinstadtakademie-2020.yaml for the demo.
//
//go:embed *.yaml
var Examples embed.FS
