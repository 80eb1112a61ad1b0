package projections

import gojson "github.com/goccy/go-json"

// encode and decode are the views' JSON: goccy/go-json writes the bytes
// encoding/json writes (map keys sorted, HTML characters escaped) at a few
// times its speed, and encoding documents is the largest share of a
// rebuild. TestEveryViewEncodesAsEncodingJSONWould pins the two together.
var (
	encode = gojson.Marshal
	decode = gojson.Unmarshal
)
