package store

import "go.mongodb.org/mongo-driver/v2/mongo"

// DB exposes the database handle to the tests.
func (s *Store) DB() *mongo.Database { return s.db }

// MapErr exposes mapErr to the tests.
var MapErr = mapErr

// SetFerret switches the FerretDB write filters on or off (benchmarks
// compare the layouts).
func (s *Store) SetFerret(on bool) { s.ferret = on }

// Ferret reports whether the store detected FerretDB.
func (s *Store) Ferret() bool { return s.ferret }
