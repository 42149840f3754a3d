// Package tempfile creates the temporary files that hold a study's data
// while an export or a store's read uses it: spooled rows, free texts,
// and a round's decoded answers.
package tempfile

import "os"

// New creates a temporary file in the system's temporary directory and
// removes its name at once: the caller reads and writes it through the
// open file, the disk space is freed when it is closed, and no answer or
// free text is left behind in the temporary directory, even if the
// process dies (docs/SECURITY.md, "Exports").
func New(prefix string) (*os.File, error) {
	f, err := os.CreateTemp("", prefix)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
