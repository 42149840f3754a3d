package store

import "github.com/expertenrunde/expertenrunde/internal/keylock"

// KeyLock serialises read-modify-writes per document _id inside one
// process (keylock.KeyLock): FerretDB loses concurrent updates of one
// document.
type KeyLock = keylock.KeyLock
