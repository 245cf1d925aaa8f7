package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/healthbot/healthbot/scoring"
)

// SnapshotJSON is the stored form of a result's figures: Snapshot.Subscores
// (a JSON object component -> sub-score, components with data only) and
// Snapshot.Details (the JSON of SnapshotDetails: each component's raw
// figure and weight, and the overrides, for later messages and
// comparisons).
//
// They are the bytes json.Marshal writes for a map[string]int of the
// sub-scores and for SnapshotDetails (keys sorted, HTML escaped), written
// by hand: the two Marshal calls and their maps were a tenth of a
// 10,000-account rescore's Go time. TestSnapshotJSONMatchesMarshal holds
// them to json.Marshal.
func SnapshotJSON(r scoring.Result) (subscores, details string, err error) {
	var keys [16]jsonEntry
	var buf [1024]byte

	subs := keys[:0]
	for _, p := range r.Parts {
		if p.HasData {
			subs = append(subs, jsonEntry{key: p.Component, n: p.Sub})
		}
	}
	js, err := appendJSONObject(buf[:0], subs, jsonInt)
	if err != nil {
		return "", "", fmt.Errorf("snapshot sub-scores: %w", err)
	}
	subscores = string(js)

	dj, err := appendDetails(buf[:0], r, keys[:0])
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

// ErrNoParts is returned by Snapshot.Result for a snapshot written before
// snapshots kept their weights and bands: its score can be shown but not
// taken apart.
var ErrNoParts = errors.New("the snapshot predates the details a comparison needs")

// Result rebuilds the scoring.Result a snapshot was written from, as far as
// a comparison needs it (scoring.Why): score, computed score, status,
// profile, version, the unrounded score, every part with its weight,
// sub-score, raw figure and points, the components without data, and the
// overrides. Bands (Part.Band is "" with data), Raise and PulseNote are
// not kept. A snapshot written before the weights were kept gives
// ErrNoParts.
func (sn Snapshot) Result() (scoring.Result, error) {
	day, err := ParseDay(sn.Day)
	if err != nil {
		return scoring.Result{}, fmt.Errorf("snapshot of account %d: %w", sn.AccountID, err)
	}
	r := scoring.Result{AccountID: sn.AccountID, AsOf: day, Known: sn.Known, Score: sn.Score, Computed: sn.Computed,
		Status: scoring.Status(sn.Status), Profile: sn.Profile, Version: sn.ModelVersion}
	det, err := sn.DecodeDetails()
	if err != nil || len(det.Weights) == 0 {
		return r, fmt.Errorf("snapshot of account %d on %s: %w", sn.AccountID, sn.Day, ErrNoParts)
	}
	subs, err := sn.DecodeSubscores()
	if err != nil {
		return r, fmt.Errorf("snapshot of account %d on %s: sub-scores: %w", sn.AccountID, sn.Day, err)
	}
	names := make([]string, 0, len(det.Weights))
	for name := range det.Weights {
		names = append(names, name)
	}
	// The display order of scoring.Result: the built-ins in their order,
	// then the custom components by name.
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(scoring.Components, a), slices.Index(scoring.Components, b)
		switch {
		case ia >= 0 && ib >= 0:
			return ia - ib
		case ia >= 0:
			return -1
		case ib >= 0:
			return 1
		}
		return strings.Compare(a, b)
	})
	// The sums run in that order, as scoring.Score's do, so the unrounded
	// score comes out the same to the last bit.
	total, sum := 0.0, 0.0
	for _, name := range names {
		if sub, ok := subs[name]; ok {
			w := det.Weights[name]
			total += w
			sum += w * float64(sub)
		}
	}
	r.Parts = make([]scoring.Part, 0, len(names))
	for _, name := range names {
		p := scoring.Part{Component: name, Weight: det.Weights[name], Band: scoring.BandNoData}
		if sub, ok := subs[name]; ok && total > 0 {
			p.HasData, p.Sub, p.Band, p.Raw = true, sub, "", det.Raw[name]
			p.Points = p.Weight * float64(sub) / total
			p.Lost = p.Weight * float64(100-sub) / total
		} else {
			r.NoData = append(r.NoData, name)
		}
		r.Parts = append(r.Parts, p)
	}
	for i, c := range det.Caps {
		o := scoring.Override{Rule: c.Rule, Cap: c.Cap}
		if i < len(det.Overrides) {
			o.Reason = det.Overrides[i]
		}
		r.Overrides = append(r.Overrides, o)
	}
	if r.Known && total > 0 {
		r.Unrounded = sum / total
		for _, o := range r.Overrides {
			r.Unrounded = min(r.Unrounded, float64(o.Cap))
		}
	}
	return r, nil
}

// jsonEntry is one key of a JSON object, with its value: n, s or f, as
// the object's jsonKind says.
type jsonEntry struct {
	key string
	s   string
	n   int
	f   float64
}

// jsonKind is what the values of a JSON object are.
type jsonKind int

const (
	jsonInt    jsonKind = iota // n
	jsonString                 // s
	jsonFloat                  // f
)

// appendDetails appends the JSON of SnapshotDetails for r, each field
// omitted when empty, in the struct's field order as json.Marshal writes
// it. keys is scratch space for the objects' entries.
func appendDetails(b []byte, r scoring.Result, keys []jsonEntry) ([]byte, error) {
	var err error
	b = append(b, '{')
	comma := func() {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	object := func(name string, entries []jsonEntry, kind jsonKind) {
		if err != nil || len(entries) == 0 {
			return
		}
		comma()
		b = append(b, name...)
		b, err = appendJSONObject(b, entries, kind)
	}

	raw := keys[:0]
	for _, p := range r.Parts {
		if p.HasData && p.Raw != "" {
			raw = append(raw, jsonEntry{key: p.Component, s: p.Raw})
		}
	}
	object(`"raw":`, raw, jsonString)
	if err == nil && len(r.Overrides) > 0 {
		comma()
		b = append(b, `"overrides":[`...)
		for i, o := range r.Overrides {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONString(b, o.Reason); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	weights := keys[:0]
	for _, p := range r.Parts {
		weights = append(weights, jsonEntry{key: p.Component, f: p.Weight})
	}
	object(`"weights":`, weights, jsonFloat)
	if err == nil && len(r.Overrides) > 0 {
		comma()
		b = append(b, `"caps":[`...)
		for i, o := range r.Overrides {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"rule":`...)
			if b, err = appendJSONString(b, o.Rule); err != nil {
				return nil, err
			}
			b = append(b, `,"cap":`...)
			b = strconv.AppendInt(b, int64(o.Cap), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendJSONObject appends entries as json.Marshal writes a map of them:
// keys sorted bytewise and, as in a map, the last entry of a repeated key
// wins. entries is sorted in place. The values are the entries' n, s or f,
// as kind says.
func appendJSONObject(b []byte, entries []jsonEntry, kind jsonKind) ([]byte, error) {
	// Insertion sort: an object has a dozen keys at most, and a stable
	// sort keeps a repeated key's entries in order, the last one last.
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
		switch kind {
		case jsonString:
			b, err = appendJSONString(b, e.s)
		case jsonFloat:
			b, err = appendJSONFloat(b, e.f)
		default:
			b = strconv.AppendInt(b, int64(e.n), 10)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest decimal that reads back as f, in exponent form below 1e-6 and
// from 1e21 on, with a one-digit negative exponent unpadded ("1e-7").
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("json: unsupported value: %v", f)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 && !math.Signbit(f) {
		// A whole number (weights nearly always are) reads the same as
		// an integer, at a fraction of the cost (-0 is left to the
		// general form, which writes its sign as json.Marshal does).
		return strconv.AppendInt(b, int64(f), 10), nil
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
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
