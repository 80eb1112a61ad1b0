package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/iup-platform/iup/eventstore"
)

// ConsistencyHeader carries the consistency token: writes answer with it,
// reads accept it and wait (bounded) until the views have caught up.
const ConsistencyHeader = "IUP-Consistency-Token"

// ConsistencyTokens issues and checks consistency tokens. A token is opaque
// to clients: base64url of a version byte, the global position and a MAC
// over position and tenant, so a token is refused for another tenant and
// cannot be forged to make a read wait for a position that does not exist.
type ConsistencyTokens struct{ key []byte }

const tokenVersion = 1

// NewConsistencyTokens returns tokens signed with key (at least 32 bytes;
// every API node of a deployment must share it).
func NewConsistencyTokens(key []byte) (*ConsistencyTokens, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("consistency token key: %d bytes, want at least 32", len(key))
	}
	return &ConsistencyTokens{key: append([]byte(nil), key...)}, nil
}

// ErrBadConsistencyToken is returned by Parse for a token that is malformed,
// forged or issued to another tenant.
var ErrBadConsistencyToken = errors.New("consistency token is not valid for this organiser")

func (t *ConsistencyTokens) mac(tenant string, pos []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("iup-consistency-token\x00"))
	m.Write([]byte(tenant))
	m.Write([]byte{0})
	m.Write(pos)
	return m.Sum(nil)[:16]
}

// Issue returns the token for pos in tenant.
func (t *ConsistencyTokens) Issue(tenant string, pos eventstore.Position) string {
	buf := make([]byte, 1, 1+16+16)
	buf[0] = tokenVersion
	buf = binary.BigEndian.AppendUint64(buf, pos.Commit)
	buf = binary.BigEndian.AppendUint64(buf, pos.Prepare)
	buf = append(buf, t.mac(tenant, buf[1:17])...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Parse returns the position in a token issued for tenant.
func (t *ConsistencyTokens) Parse(tenant, token string) (eventstore.Position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 33 || raw[0] != tokenVersion {
		return eventstore.Start, ErrBadConsistencyToken
	}
	if !hmac.Equal(raw[17:], t.mac(tenant, raw[1:17])) {
		return eventstore.Start, ErrBadConsistencyToken
	}
	return eventstore.Position{Commit: binary.BigEndian.Uint64(raw[1:9]), Prepare: binary.BigEndian.Uint64(raw[9:17])}, nil
}
