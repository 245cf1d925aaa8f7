package ingestion

import (
	"bytes"
	"encoding/json"
	"maps"
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
