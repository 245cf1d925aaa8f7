package models

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/healthbot/healthbot/scoring"
)

// SnapshotJSON is the stored form of a result's figures: Snapshot.Subscores
// (a JSON object component -> sub-score, components with data only) and
// Snapshot.Details (the JSON of SnapshotDetails: each component's raw
// figure and the overrides' reasons, for later messages).
//
// They are the bytes json.Marshal writes for a map[string]int of the
// sub-scores and for SnapshotDetails (keys sorted, HTML escaped), written
// by hand: the two Marshal calls and their maps were a tenth of a
// 10,000-account rescore's Go time. TestSnapshotJSONMatchesMarshal holds
// them to json.Marshal.
func SnapshotJSON(r scoring.Result) (subscores, details string, err error) {
	var keys [16]jsonEntry
	var buf [512]byte

	subs := keys[:0]
	for _, p := range r.Parts {
		if p.HasData {
			subs = append(subs, jsonEntry{key: p.Component, n: p.Sub})
		}
	}
	js, err := appendJSONObject(buf[:0], subs, false)
	if err != nil {
		return "", "", fmt.Errorf("snapshot sub-scores: %w", err)
	}
	subscores = string(js)

	raw := keys[:0]
	for _, p := range r.Parts {
		if p.HasData && p.Raw != "" {
			raw = append(raw, jsonEntry{key: p.Component, s: p.Raw})
		}
	}
	dj, err := appendDetails(buf[:0], raw, r.Overrides)
	if err != nil {
		return "", "", fmt.Errorf("snapshot details: %w", err)
	}
	return subscores, string(dj), nil
}

// DecodeSubscores reads Subscores: component -> sub-score. A snapshot
// written with no sub-scores stored ("") is an error.
func (sn Snapshot) DecodeSubscores() (map[string]int, error) {
	var subs map[string]int
	err := json.Unmarshal([]byte(sn.Subscores), &subs)
	return subs, err
}

// DecodeDetails reads Details. Snapshots written before Details existed
// have none (""): that is an error, with empty details.
func (sn Snapshot) DecodeDetails() (SnapshotDetails, error) {
	var det SnapshotDetails
	err := json.Unmarshal([]byte(sn.Details), &det)
	return det, err
}

// jsonEntry is one key of a JSON object, with its value: n, or s when the
// object holds strings.
type jsonEntry struct {
	key string
	s   string
	n   int
}

// appendDetails appends the JSON of models.SnapshotDetails{Raw: raw as a
// map, Overrides: the reasons of overrides}, both omitted when empty.
func appendDetails(b []byte, raw []jsonEntry, overrides []scoring.Override) ([]byte, error) {
	var err error
	b = append(b, '{')
	if len(raw) > 0 {
		b = append(b, `"raw":`...)
		if b, err = appendJSONObject(b, raw, true); err != nil {
			return nil, err
		}
	}
	if len(overrides) > 0 {
		if len(raw) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"overrides":[`...)
		for i, o := range overrides {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONString(b, o.Reason); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendJSONObject appends entries as json.Marshal writes a map of them:
// keys sorted bytewise and, as in a map, the last entry of a repeated key
// wins. entries is sorted in place. The values are the strings s when
// strs, else the ints n.
func appendJSONObject(b []byte, entries []jsonEntry, strs bool) ([]byte, error) {
	// Insertion sort: an object has at most nine keys, and a stable sort
	// keeps a repeated key's entries in order, the last one last.
	for i := 1; i < len(entries); i++ {
		for j := i; j > 0 && entries[j].key < entries[j-1].key; j-- {
			entries[j], entries[j-1] = entries[j-1], entries[j]
		}
	}
	var err error
	b = append(b, '{')
	first := true
	for i, e := range entries {
		if i+1 < len(entries) && entries[i+1].key == e.key {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if b, err = appendJSONString(b, e.key); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if strs {
			b, err = appendJSONString(b, e.s)
			if err != nil {
				return nil, err
			}
		} else {
			b = strconv.AppendInt(b, int64(e.n), 10)
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string. Printable ASCII other than
// the quote, the backslash and json.Marshal's HTML escapes (<, >, &) is
// written as is; any other string is left to json.Marshal, so escapes,
// invalid UTF-8 and U+2028/U+2029 come out exactly as it writes them.
func appendJSONString(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			js, err := json.Marshal(s)
			if err != nil {
				return nil, err
			}
			return append(b, js...), nil
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}
