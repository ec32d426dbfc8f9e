// Package config loads esguard.yml, the roles files and the users files into one
// immutable, validated Snapshot, and holds the snapshot in force in a Store.
//
// Problems are collected, never returned one at a time: every error and warning is a
// Problem with its file and line, printed by `esguard validate` as FILE:LINE: message.
// A configuration with any error never becomes a snapshot.
//
// config may import routes, privileges and auth. It must not import fasthttp or proxy.
package config
