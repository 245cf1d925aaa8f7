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
	if d.fields == nil {
		d.fields = make(map[string]string, 8)
	}
	clear(d.fields)
	fields = d.fields
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

// isFlatObject reports whether b is exactly one JSON object, RFC 8259's
// grammar to the letter, in valid UTF-8, whose values are all strings,
// numbers, booleans or null: a record flatObject can walk as it is, with
// nothing to report. It is stricter than needed, never looser: whatever
// it refuses goes to encoding/json, which reports it or decodes it.
func isFlatObject(b []byte) bool {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return false
	}
	if i = skipSpace(b, i+1); i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		if i = scanString(b, i); i < 0 {
			return false
		}
		if i = skipSpace(b, i); i == len(b) || b[i] != ':' {
			return false
		}
		if i = scanScalar(b, skipSpace(b, i+1)); i < 0 {
			return false
		}
		if i = skipSpace(b, i); i == len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// scanString returns the index just past the JSON string starting at
// b[i], or -1 if there is none there or it breaks the grammar (a control
// character, a bad escape, bytes that are not UTF-8, no closing quote).
func scanString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i++; i == len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return -1
			}
			i += size - 1
		}
	}
	return -1
}

// scanScalar returns the index just past the string, number, true, false
// or null starting at b[i], or -1 if there is none there.
func scanScalar(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return scanString(b, i)
	case 't':
		return scanWord(b, i, "true")
	case 'f':
		return scanWord(b, i, "false")
	case 'n':
		return scanWord(b, i, "null")
	}
	return scanNumber(b, i)
}

func scanWord(b []byte, i int, word string) int {
	if string(b[i:min(len(b), i+len(word))]) != word {
		return -1
	}
	return i + len(word)
}

// scanNumber returns the index just past the JSON number starting at
// b[i] (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or -1.
func scanNumber(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = scanDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := scanDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := scanDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func scanDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
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
