package ingestion

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzFlatObject checks the hand-written object walk against encoding/json
// decoding into a map, which the JSON decoders used before: same fields,
// same text, same rejection of nested values.
func FuzzFlatObject(f *testing.F) {
	for _, s := range []string{
		`{"account":"a","user":"u","day":"2026-01-01","feature":""}`,
		` { "a" : 1.5e+3 , "b":true,"c" : false, "d":null , "e":-0} `,
		`{"x":"caf\u00e9 \"q\" \\ \/ \ud83d\ude00","y":"\ud800","naïve":"日本"}`,
		"{\"bad\":\"\xff\xfe\",\"ok\":\"\xc3\xa9\"}",
		`{"a":{"b":1},"c":[1]}`, `{}`, `{"":""}`, `{"a":"x","a":"y"}`, `{"Account":"a","USER":"u","Nope":1}`, `{"":{},"":[]}`, `{"":[1]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.TrimSpace(data)
		if !json.Valid(data) || len(data) == 0 || data[0] != '{' {
			return
		}
		if repeatsKey(data) {
			if _, _, why := (&jsonDecoder{}).flatObject(data); why == "" {
				t.Fatalf("%s: a repeated key was accepted", data)
			}
			return
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("reference decode: %v", err)
		}
		want := map[string]string{}
		nested := map[string]bool{}
		for k, v := range obj {
			k = fieldKey(k)
			switch v := v.(type) {
			case string:
				want[k] = v
			case json.Number:
				want[k] = v.String()
			case bool:
				want[k] = map[bool]string{true: "true", false: "false"}[v]
			case nil:
				want[k] = ""
			default:
				nested[k] = true
			}
		}
		got, bad, _ := (&jsonDecoder{}).flatObject(data)
		if len(nested) > 0 {
			if !nested[bad] {
				t.Fatalf("%s: bad field %q, want one of %v", data, bad, nested)
			}
			return
		}
		if bad != "" || got == nil || !maps.Equal(got, want) {
			t.Fatalf("%s:\n got %q (bad %q)\nwant %q", data, got, bad, want)
		}
	})
}

// repeatsKey reports whether the object's top level names a key twice
// (field names compared as flatObject does, in any case): the reference
// keeps the last value, flatObject rejects the record.
func repeatsKey(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	seen := map[string]bool{}
	depth, wantKey := 0, false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
			} else {
				depth--
			}
			wantKey = depth == 1
			continue
		case string:
			if depth == 1 && wantKey {
				if seen[fieldKey(tok)] {
					return true
				}
				seen[fieldKey(tok)] = true
				wantKey = false
				continue
			}
		}
		wantKey = depth == 1
	}
}

// FuzzNDJSONLines checks the NDJSON decoder's line-at-a-time walk against
// encoding/json reading the same body, as every NDJSON body was read
// before: the same records at the same positions, the same errors, in
// the same order, to the end.
func FuzzNDJSONLines(f *testing.F) {
	long := `{"account":"a","user":"` + strings.Repeat("x", lineBuffer) + `"}`
	for _, s := range []string{
		"{\"account\":\"a\",\"user\":\"u\",\"day\":\"2026-01-01\",\"feature\":\"\"}\n{\"account\":\"b\",\"user\":\"v\",\"at\":\"2026-01-01T10:00:00Z\"}\n",
		"\r\n  {\"a\" : 1.5e+3 , \"b\":true,\"c\":false,\"d\":null,\"e\":-0}\r\n\n\t\n{}",
		"{\"a\":\"x\"}{\"b\":\"y\"}\n{\"c\":\n\"z\"}\n{\"d\":1}",
		"{\"a\":\"x\",\"a\":\"y\"}\n{\"b\":{\"c\":1}}\n{\"d\":2}\n",
		"{\"a\":1}\n{\"b\":01}\n{\"c\":3}\n",
		"{\"a\":1}\n{\"b\":\"\xff\"}\n{\"c\":\"\xc3\xa9\"}\n",
		"{\"x\":\"caf\\u00e9 \\\"q\\\" \\\\ \\/ \\ud83d\\ude00\",\"y\":\"\\ud800\",\"Account\":\"日本\"}\n{\"z\":\"\\x\"}\n",
		"{\"a\":1}\n\v{\"b\":2}\n", "{\"a\":1.}\n", "{\"a\":-}\n", "{\"a\":1e}\n", "{\"a\":tru}\n", "{\"a\":\"\t\"}\n",
		"{\"a\":1}\n[1,2]\n3\nnull\n\"s\"\n", "{\"a\":1}\n{\"b\":2", "{\"a\":1}\n}", "\ufeff{\"a\":1}\n", "{\"a\":1}\n" + long + "\n{\"b\":2}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := readAll(t, NewNDJSONDecoder(bytes.NewReader(data)), len(data))
		ref := &jsonDecoder{}
		ref.stream(bytes.NewReader(data))
		if want := readAll(t, ref, len(data)); !slices.EqualFunc(got, want, func(a, b step) bool { return a.equal(b) }) {
			t.Fatalf("%q:\n got %v\nwant %v", data, got, want)
		}
	})
}

// A body that fails part way through fails the NDJSON decoder as it fails
// encoding/json: the records before it, then the same error.
func TestNDJSONReadFailure(t *testing.T) {
	body := "{\"account\":\"a\",\"user\":\"u\",\"day\":\"2026-01-01\"}\n{\"account\":\"b\""
	broken := errors.New("connection reset")
	open := func() io.Reader { return io.MultiReader(strings.NewReader(body), errReader{broken}) }
	got := readAll(t, NewNDJSONDecoder(open()), 10)
	ref := &jsonDecoder{}
	ref.stream(open())
	want := readAll(t, ref, 10)
	if len(got) != 2 || !errors.Is(got[1].err, broken) || !slices.EqualFunc(got, want, func(a, b step) bool { return a.equal(b) }) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// step is one Next's outcome, the record's fields copied.
type step struct {
	rec Record
	err error
}

func (s step) equal(o step) bool {
	if s.err != nil || o.err != nil {
		return s.err != nil && o.err != nil && s.err.Error() == o.err.Error() && reflect.TypeOf(s.err) == reflect.TypeOf(o.err)
	}
	return s.rec.Position == o.rec.Position && maps.Equal(s.rec.Fields, o.rec.Fields)
}

func (s step) String() string {
	if s.err != nil {
		return fmt.Sprintf("error %q", s.err)
	}
	return fmt.Sprintf("%d:%q", s.rec.Position, s.rec.Fields)
}

// readAll reads dec to the end (at most steps records past n bytes).
func readAll(t *testing.T, dec Decoder, n int) []step {
	t.Helper()
	var out []step
	for len(out) <= n+2 {
		rec, err := dec.Next()
		if err == io.EOF {
			return out
		}
		rec.Fields = maps.Clone(rec.Fields)
		out = append(out, step{rec, err})
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			return out
		}
	}
	t.Fatalf("%d records from %d bytes: the decoder does not advance", len(out), n)
	return nil
}

// Records as exporters write them stay on the line walk: encoding/json
// never reads them.
func TestNDJSONWalksLines(t *testing.T) {
	body := "{\"account\":\"a\",\"user\":\"u\",\"day\":\"2026-01-01\",\"feature\":\"reports\"}\r\n\n" +
		"{ \"Account\": \"b\", \"user\": \"caf\\u00e9\", \"at\": \"2026-01-01T10:00:00Z\", \"feature\": null }\n" +
		"{\"account\":\"c\",\"user\":\"日本\",\"day\":\"2026-01-02\",\"score\":-1.5e+3,\"ok\":true}"
	dec := NewNDJSONDecoder(strings.NewReader(body)).(*jsonDecoder)
	got := readAll(t, dec, len(body))
	if len(got) != 3 || got[1].rec.Fields["account"] != "b" || got[1].rec.Fields["user"] != "café" || got[2].rec.Fields["score"] != "-1.5e+3" {
		t.Fatalf("records %v", got)
	}
	if dec.dec != nil {
		t.Fatal("well-formed lines were handed to encoding/json")
	}
}
