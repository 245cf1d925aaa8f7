package ingestion

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzDecodeRecords feeds arbitrary bytes to every decoder and every kind's
// record parser. Properties: no panic; the input is consumed in a bounded
// number of steps; every problem is a *ValidationError with a position in
// the decoder's unit; JSON positions count up by one; CSV records carry
// exactly the header's fields, all of them known to the kind.
func FuzzDecodeRecords(f *testing.F) {
	f.Add([]byte("account,effective_on,mrr\nacc-1,2026-01-01,1234.50\n"), uint8(0))
	f.Add([]byte("external_id,name,slug\n\"a,b\",\"Acme, Inc.\",\n\ufeffx\n"), uint8(7))
	f.Add([]byte(`[{"account":"a","user":"u","day":"2026-01-01"},{"x":[1]},3,null]`), uint8(1))
	f.Add([]byte("{\"account\":\"a\",\"kind\":\"nps\",\"score\":9.5,\"at\":\"2026-01-01T00:00:00Z\"}\n{}\n[1]"), uint8(2))
	f.Add([]byte(`[{"external_id":"i","account":"a","amount":"12,34","due_on":"2026-13-01","status":"paid"}`), uint8(1))
	f.Add([]byte("account,user,at\n\"a\"\"b\",u,2026-01-01T25:00:00Z\nx\n"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		kind := Kinds[int(mode/3)%len(Kinds)]
		spec := kindSpecs[kind]
		var dec Decoder
		switch mode % 3 {
		case 0:
			dec = NewCSVDecoder(bytes.NewReader(data), kind)
		case 1:
			dec = NewJSONDecoder(bytes.NewReader(data))
		default:
			dec = NewNDJSONDecoder(bytes.NewReader(data))
		}
		b := &batch{kind: kind, unit: dec.Unit(), max: MaxIngestErrors, errs: &BatchError{Kind: kind},
			dayOf: func(t time.Time) string { return t.UTC().Format("2006-01-02") }}
		s := spec.newSink(b)
		next := 0
		for steps := 0; ; steps++ {
			if steps > len(data)+2 {
				t.Fatalf("%d records from %d bytes: the decoder does not advance", steps, len(data))
			}
			rec, err := dec.Next()
			if err == io.EOF {
				break
			}
			var ve *ValidationError
			if err != nil && !errors.As(err, &ve) {
				t.Fatalf("reading from memory failed: %v", err)
			}
			pos := rec.Position
			if ve != nil {
				pos = ve.Position
				if ve.Reason == "" || ve.Unit != dec.Unit() {
					t.Fatalf("incomplete error %#v", ve)
				}
			}
			if dec.Unit() == UnitIndex && pos != next {
				t.Fatalf("index %d after %d", pos, next-1)
			}
			next = pos + 1
			if ve != nil {
				continue
			}
			if dec.Unit() == UnitLine {
				for name := range rec.Fields {
					if !spec.known(name) {
						t.Fatalf("CSV record has unknown field %q", name)
					}
				}
			}
			p := &fieldParser{kind: kind, unit: dec.Unit(), rec: rec}
			s.add(p)
			for _, e := range p.errs {
				if e.Position != rec.Position || e.Reason == "" || e.Error() == "" {
					t.Fatalf("bad error %#v for record at %d", e, rec.Position)
				}
			}
		}
		if s.size() > 0 && len(data) == 0 {
			t.Fatal("records from no input")
		}
	})
}

// TestParsersAcceptWhatTheyPromise checks good values of every parser once,
// beside the fuzz test that mostly finds rejections.
func TestParsersAcceptWhatTheyPromise(t *testing.T) {
	p := &fieldParser{kind: "x", unit: UnitLine, rec: Record{Position: 2, Fields: map[string]string{
		"d": "2026-02-28", "t": "2026-02-28T23:59:59.123456789+01:00", "m": " 0.5 ", "b": "TRUE", "e": "Neutral", "n": "7",
	}}}
	if d := p.date("d"); d == nil || *d != "2026-02-28" {
		t.Errorf("date: %v", d)
	}
	if tm := p.time("t"); tm == nil || tm.UTC().Format(time.RFC3339) != "2026-02-28T22:59:59Z" {
		t.Errorf("time: %v", tm)
	}
	if m := p.money("m", true); m != 50 {
		t.Errorf("money: %d", m)
	}
	if !p.boolean("b") || p.enum("e", true, "positive", "neutral") != "neutral" || p.integer("n", 0, 10, true) != 7 {
		t.Errorf("boolean/enum/integer")
	}
	if len(p.errs) != 0 {
		t.Errorf("errors: %v", p.errs[0])
	}
	for name, want := range map[string]string{"Acme, Inc.": "acme-inc", "  Ünïcode Café 42 ": "unicode-cafe-42", "Straße ①": "stra-e-1", "---": ""} {
		if got := Slugify(name); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", name, got, want)
		}
	}
}
