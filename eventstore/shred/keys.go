// Package shred is crypto-shredding for stored events: personal content is
// encrypted with a per-subject data key (AES-256-GCM, authenticated with the
// event id), data keys are stored wrapped by a master key, and destroying a
// subject's key makes that content unreadable everywhere at once (in every
// copy, backup and replica of the log) while the events themselves, and the
// hash chain over them, stay intact.
package shred

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of the key store.
var (
	// ErrNoKey: no data key was ever stored for the subject.
	ErrNoKey = errors.New("shred: no data key for subject")
	// ErrDestroyed: the subject's data key was destroyed (culling or erasure).
	ErrDestroyed = errors.New("shred: data key destroyed")
)

// MasterKey wraps and unwraps data keys. The embedded default is a key file;
// a KMS provider implements the same two calls.
type MasterKey interface {
	Wrap(dataKey, aad []byte) ([]byte, error)
	Unwrap(wrapped, aad []byte) ([]byte, error)
}

// KeyStore keeps wrapped data keys, one per tenant and subject.
type KeyStore interface {
	// Load returns the wrapped key, ErrNoKey, or ErrDestroyed.
	Load(ctx context.Context, tenant, subject string) ([]byte, error)
	// Create stores wrapped unless the subject already has a key (then the
	// stored one is returned: the first writer wins) or had one destroyed
	// (ErrDestroyed: nothing new is written about a culled subject).
	Create(ctx context.Context, tenant, subject string, wrapped []byte) ([]byte, error)
	// Destroy erases the wrapped key for good, leaving a tombstone that
	// records when and under which rule.
	Destroy(ctx context.Context, tenant, subject, rule string, at time.Time) error
}

// DestructionLog is a key store that records its destructions in order. A
// keyring over one learns of keys destroyed by other processes with one
// read every ForgetWithin instead of loading each cached key again when it
// expires: at a municipality's size that was a query, an unwrap and a
// cipher per student a minute.
type DestructionLog interface {
	// DestroyedSince returns the subjects whose keys were destroyed after
	// mark, oldest first, and the mark to ask from next. A negative mark
	// returns no subjects and the mark of the latest destruction.
	DestroyedSince(ctx context.Context, mark int64) ([]Subject, int64, error)
}

// Subject names one data key.
type Subject struct{ Tenant, Subject string }

// ErrNoDestructionLog is what a wrapping key store's DestroyedSince returns
// when the store it wraps keeps none: the keyring then reloads each key
// when it expires.
var ErrNoDestructionLog = errors.New("shred: the key store keeps no log of destructions")

// aesGCM wraps with AES-256-GCM, nonce prepended.
type aesGCM struct{ aead cipher.AEAD }

func newAESGCM(key []byte) (aesGCM, error) {
	if len(key) != 32 {
		return aesGCM{}, fmt.Errorf("shred: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return aesGCM{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return aesGCM{}, err
	}
	return aesGCM{aead: aead}, nil
}

func (a aesGCM) seal(plain, aad []byte) []byte {
	nonce := make([]byte, a.aead.NonceSize(), a.aead.NonceSize()+len(plain)+a.aead.Overhead())
	_, _ = rand.Read(nonce)
	return a.aead.Seal(nonce, nonce, plain, aad)
}

func (a aesGCM) open(sealed, aad []byte) ([]byte, error) {
	n := a.aead.NonceSize()
	if len(sealed) < n+a.aead.Overhead() {
		return nil, errors.New("shred: sealed data too short")
	}
	return a.aead.Open(nil, sealed[:n], sealed[n:], aad)
}

// FileMasterKey is a master key kept in a local file (hex, mode 0600),
// created on first start.
type FileMasterKey struct{ gcm aesGCM }

// OpenFileMasterKey reads the key at path, creating it when missing.
func OpenFileMasterKey(path string) (*FileMasterKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", filepath.Base(path), err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("master key %s: not hex: %w", filepath.Base(path), err)
	}
	g, err := newAESGCM(key)
	if err != nil {
		return nil, err
	}
	return &FileMasterKey{gcm: g}, nil
}

func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	text := []byte(hex.EncodeToString(key) + "\n")
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return text, f.Close()
}

// Wrap implements MasterKey.
func (k *FileMasterKey) Wrap(dataKey, aad []byte) ([]byte, error) {
	return k.gcm.seal(dataKey, aad), nil
}

// Unwrap implements MasterKey.
func (k *FileMasterKey) Unwrap(wrapped, aad []byte) ([]byte, error) { return k.gcm.open(wrapped, aad) }

// Keyring hands out data keys, creating them on first use, and destroys
// them. Unwrapped keys are cached briefly: a key destroyed by another process
// stops being usable here within the cache's time to live.
type Keyring struct {
	master MasterKey
	store  KeyStore
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKey
	// epoch moves after every destruction or forgetting: content decoded
	// before it may since have become culled.
	epoch atomic.Uint64

	// With a DestructionLog, cached keys do not expire one by one: all of
	// them are good until fresh, and the first use after it reads the
	// destructions since mark and forgets those keys. marked says mark was
	// read, which happens before the first key is loaded, so no
	// destruction after a load is missed.
	log      DestructionLog
	unlogged atomic.Bool // the store turned out to keep no log
	sweep    sync.Mutex  // one reader of the log at a time
	fresh    time.Time   // under mu
	reads    uint64      // reads of the log so far, under mu
	mark     int64       // under sweep
	marked   bool        // under sweep
}

// Epoch counts the keys destroyed or forgotten so far; content decoded in
// an earlier epoch may have become culled.
func (k *Keyring) Epoch() uint64 { return k.epoch.Load() }

// ForgetWithin is how long a key destroyed by another process stays usable
// here: the time an unwrapped key is cached.
func (k *Keyring) ForgetWithin() time.Duration { return k.ttl }

type cachedKey struct {
	gcm     aesGCM
	expires time.Time
}

// NewKeyring returns a keyring over master and store.
func NewKeyring(master MasterKey, store KeyStore) *Keyring {
	if master == nil || store == nil {
		panic("shred: NewKeyring needs a master key and a key store")
	}
	k := &Keyring{master: master, store: store, ttl: time.Minute, now: time.Now, cache: map[string]cachedKey{}}
	k.log, _ = store.(DestructionLog)
	return k
}

func keyAAD(tenant, subject string) []byte {
	return []byte("iup-data-key\x00" + tenant + "\x00" + subject)
}

// cipherFor returns the subject's data-key cipher, creating the key when
// create is set and none exists.
func (k *Keyring) cipherFor(ctx context.Context, tenant, subject string, create bool) (aesGCM, error) {
	id := tenant + "\x00" + subject
	if k.logged() {
		k.mu.Lock()
		c, ok := k.cache[id]
		valid := k.now().Before(k.fresh)
		k.mu.Unlock()
		if ok && valid {
			return c.gcm, nil
		}
		if err := k.forgetDestroyed(ctx); err != nil {
			return aesGCM{}, err
		}
		if k.logged() {
			k.mu.Lock()
			c, ok = k.cache[id]
			k.mu.Unlock()
			if ok {
				return c.gcm, nil
			}
		}
	} else {
		k.mu.Lock()
		c, ok := k.cache[id]
		k.mu.Unlock()
		if ok && k.now().Before(c.expires) {
			return c.gcm, nil
		}
	}
	k.mu.Lock()
	reads := k.reads
	k.mu.Unlock()
	wrapped, err := k.store.Load(ctx, tenant, subject)
	if errors.Is(err, ErrNoKey) && create {
		dk := make([]byte, 32)
		if _, err := rand.Read(dk); err != nil {
			return aesGCM{}, err
		}
		w, err := k.master.Wrap(dk, keyAAD(tenant, subject))
		if err != nil {
			return aesGCM{}, fmt.Errorf("wrap data key: %w", err)
		}
		wrapped, err = k.store.Create(ctx, tenant, subject, w)
		if err != nil {
			return aesGCM{}, err
		}
	} else if err != nil {
		return aesGCM{}, err
	}
	dk, err := k.master.Unwrap(wrapped, keyAAD(tenant, subject))
	if err != nil {
		return aesGCM{}, fmt.Errorf("unwrap data key: %w", err)
	}
	g, err := newAESGCM(dk)
	if err != nil {
		return aesGCM{}, err
	}
	k.mu.Lock()
	// A read of the log between the load and now may have forgotten this
	// key's destruction before it was cached: then it serves this use only.
	if !k.logged() || k.reads == reads {
		k.cache[id] = cachedKey{gcm: g, expires: k.now().Add(k.ttl)}
	}
	k.mu.Unlock()
	return g, nil
}

// logged says whether the keyring learns of destructions from a log.
func (k *Keyring) logged() bool { return k.log != nil && !k.unlogged.Load() }

// forgetDestroyed reads the destructions since the last read, unless another
// caller just did, forgets their keys and makes the cache fresh for
// ForgetWithin from the moment of the read. The first read only learns the
// latest mark: the cache is empty then. A store that turns out to keep no
// log switches the keyring to reloading each key when it expires.
func (k *Keyring) forgetDestroyed(ctx context.Context) error {
	k.sweep.Lock()
	defer k.sweep.Unlock()
	start := k.now()
	k.mu.Lock()
	done := start.Before(k.fresh)
	k.mu.Unlock()
	if done || !k.logged() {
		return nil
	}
	mark := int64(-1)
	if k.marked {
		mark = k.mark
	}
	gone, next, err := k.log.DestroyedSince(ctx, mark)
	if errors.Is(err, ErrNoDestructionLog) {
		k.unlogged.Store(true) // the keys cached since have their own expiry
		return nil
	}
	if err != nil {
		return fmt.Errorf("read key destructions: %w", err)
	}
	k.mu.Lock()
	for _, s := range gone {
		delete(k.cache, s.Tenant+"\x00"+s.Subject)
	}
	k.fresh = start.Add(k.ttl)
	k.reads++
	k.mu.Unlock()
	if len(gone) > 0 {
		k.epoch.Add(1)
	}
	k.mark, k.marked = next, true
	return nil
}

// Forget drops cached keys of the subjects, so the next use asks the key
// store: a process that learns of a destruction made elsewhere (a culling
// event) stops decrypting at once rather than when the cache expires.
func (k *Keyring) Forget(tenant string, subjects ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, s := range subjects {
		delete(k.cache, tenant+"\x00"+s)
	}
	k.epoch.Add(1)
}

// DestroyAll destroys the data keys of several subjects (a student's
// document types) under one rule; destroying a destroyed key does nothing.
func (k *Keyring) DestroyAll(ctx context.Context, tenant string, subjects []string, rule string, at time.Time) error {
	for _, s := range subjects {
		if err := k.Destroy(ctx, tenant, s, rule, at); err != nil {
			return err
		}
	}
	return nil
}

// Destroy destroys the subject's data key: from then on every event sealed
// with it decodes as culled.
func (k *Keyring) Destroy(ctx context.Context, tenant, subject, rule string, at time.Time) error {
	k.mu.Lock()
	delete(k.cache, tenant+"\x00"+subject)
	k.mu.Unlock()
	err := k.store.Destroy(ctx, tenant, subject, rule, at)
	// After the destruction, so that whatever was decoded before it is of
	// an earlier epoch.
	k.epoch.Add(1)
	return err
}
