package observable

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The JSON readers (STIX bundles, MISP events) decode their input one
// element at a time; these are the two steps they share.

// ExpectDelim reads the next token of d, which must be want.
func ExpectDelim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("found %v", tok)
	}
	return nil
}

// DecodeError sorts a failure to decode one element of a stream: a value
// of the wrong type is one bad element — the decoder has read past it, so
// it is rejected and reading goes on; anything else (bad JSON, the end of
// the input) leaves nothing to read on and is returned.
func DecodeError(err error, what string, n int, reject Reject) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		reject(Rejection{Line: n, Message: "not a " + what + ": " + err.Error()})
		return nil
	}
	return fmt.Errorf("intel: %s %d: %w", what, n, err)
}
