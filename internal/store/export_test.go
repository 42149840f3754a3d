package store

import "go.mongodb.org/mongo-driver/v2/mongo"

// DB exposes the database handle to the tests.
func (s *Store) DB() *mongo.Database { return s.db }

// MapErr exposes mapErr to the tests.
var MapErr = mapErr
