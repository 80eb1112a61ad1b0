// Package shredtest opens the sealing codec's keys in a test's folder.
package shredtest

import (
	"path/filepath"
	"testing"

	"github.com/iup-platform/iup/eventstore/shred"
)

// Open opens (creating them when missing) the master key and the key store
// in dir, as iupd serve keeps them in its data folder, and returns the
// keyring over them and the store, which the caller closes.
func Open(tb testing.TB, dir string) (*shred.Keyring, *shred.SQLiteKeyStore) {
	tb.Helper()
	mk, err := shred.OpenFileMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		tb.Fatal(err)
	}
	ks, err := shred.OpenSQLiteKeyStore(filepath.Join(dir, "keys.db"))
	if err != nil {
		tb.Fatal(err)
	}
	return shred.NewKeyring(mk, ks), ks
}
