package ingestion

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// The JSON decoders read each record as raw bytes and walk them here rather
// than decoding into a map[string]any: that costs a map, a boxed value per
// field and a second map to convert, about 20 allocations a record, which a
// million-row upload feels. The bytes come from json.Decoder, so they are
// known to be valid JSON and the walk need not check syntax.

// fieldNames interns the field names of every kind, so known keys cost no
// allocation.
var fieldNames = func() map[string]string {
	m := map[string]string{}
	for _, spec := range kindSpecs {
		for _, f := range spec.fields {
			m[f] = f
		}
	}
	return m
}()

// maxInterned bounds the values a decoder interns: enough for the days,
// features and accounts a batch repeats, bounded for batches that do not.
const maxInterned = 4096

// flatObject turns one valid JSON object into text fields, as Record
// documents them: strings as they are, numbers as written, booleans as
// true/false, null as "". Field names match the kinds' names in any case,
// as CSV headers do ("Account" is account). A nested object or array, or a
// name given twice, stops it: that key is returned as bad with why.
func (d *jsonDecoder) flatObject(raw []byte) (fields map[string]string, bad, why string) {
	fields = make(map[string]string, 8)
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != '}' {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		kb, next := stringToken(raw, i)
		key, ok := fieldNames[string(kb)]
		if !ok {
			key = fieldKey(jsonString(raw[i:next]))
		}
		if _, dup := fields[key]; dup {
			return nil, key, "is given twice in this record; send each field once"
		}
		i = skipSpace(raw, skipSpace(raw, next)+1) // past the colon
		var val string
		switch c := raw[i]; {
		case c == '"':
			var vb []byte
			vb, next = stringToken(raw, i)
			if vb == nil {
				val = jsonString(raw[i:next])
			} else {
				val = d.intern(vb)
			}
		case c == '{' || c == '[':
			return nil, key, "must be a string, number, boolean or null"
		case c == 't':
			val, next = "true", i+4
		case c == 'f':
			val, next = "false", i+5
		case c == 'n':
			val, next = "", i+4
		default: // a number, kept as written
			next = i
			for next < len(raw) && isNumberByte(raw[next]) {
				next++
			}
			val = d.intern(raw[i:next])
		}
		fields[key] = val
		i = skipSpace(raw, next)
	}
	return fields, "", ""
}

// fieldKey is the kinds' name for a field named in any case, or name as it
// is when no kind has such a field (it is then reported as unknown).
func fieldKey(name string) string {
	if k, ok := fieldNames[strings.ToLower(name)]; ok {
		return k
	}
	return name
}

// intern returns b as a string, shared with earlier equal short values.
func (d *jsonDecoder) intern(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	if v, ok := d.values[string(b)]; ok {
		return v
	}
	v := string(b)
	if d.values == nil {
		d.values = map[string]string{}
	}
	if len(d.values) < maxInterned {
		d.values[v] = v
	}
	return v
}

// stringToken finds the JSON string starting at raw[i] (a quote) and returns
// its contents when they can be used as they are (no escapes, valid UTF-8),
// else nil, and the index just past the closing quote.
func stringToken(raw []byte, i int) ([]byte, int) {
	plain, ascii := true, true
	j := i + 1
	for ; raw[j] != '"'; j++ {
		switch c := raw[j]; {
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	s := raw[i+1 : j]
	if !plain || !ascii && !utf8.Valid(s) {
		return nil, j + 1
	}
	return s, j + 1
}

// jsonString decodes a quoted JSON string with escapes or invalid UTF-8
// exactly as encoding/json does (invalid bytes become U+FFFD).
func jsonString(quoted []byte) string {
	var s string
	_ = json.Unmarshal(quoted, &s) // quoted is a valid JSON string
	return s
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
