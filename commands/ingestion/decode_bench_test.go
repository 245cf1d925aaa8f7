package ingestion

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
)

// BenchmarkDecodeActivity is the client's side of an activity batch
// without the database: decoding and validating 100,000 records (the
// size of BenchmarkScaleIngestNDJSON's batches) as NDJSON, as a JSON
// array and as CSV, each sub-benchmark one batch an op.
func BenchmarkDecodeActivity(b *testing.B) {
	const n = 100000
	var nd, arr, csv bytes.Buffer
	arr.WriteByte('[')
	csv.WriteString("account,user,day,feature\n")
	features := []string{"reports", "dashboards", "exports", ""}
	for k := 0; k < n; k++ {
		acc, user, feature := "acc-"+strconv.Itoa(k%16666), "u"+strconv.Itoa(k/16666), features[k%len(features)]
		line := fmt.Sprintf(`{"account":%q,"user":%q,"day":"2026-04-01","feature":%q}`, acc, user, feature)
		nd.WriteString(line + "\n")
		if k > 0 {
			arr.WriteByte(',')
		}
		arr.WriteString(line)
		fmt.Fprintf(&csv, "%s,%s,2026-04-01,%s\n", acc, user, feature)
	}
	arr.WriteByte(']')
	for _, c := range []struct {
		name string
		body []byte
		dec  func(io.Reader) Decoder
	}{
		{"ndjson", nd.Bytes(), NewNDJSONDecoder},
		{"array", arr.Bytes(), NewJSONDecoder},
		{"csv", csv.Bytes(), func(r io.Reader) Decoder { return NewCSVDecoder(r, KindActivity) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if got := decodeActivity(b, c.dec(bytes.NewReader(c.body))); got != n {
					b.Fatalf("%d records, want %d", got, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// decodeActivity reads dec to the end through the activity sink's
// parsing, as ingestTx does, and returns how many records were good.
func decodeActivity(b *testing.B, dec Decoder) int {
	bt := &batch{kind: KindActivity, unit: dec.Unit(), max: MaxIngestErrors, errs: &BatchError{Kind: KindActivity},
		dayOf: func(t time.Time) string { return t.UTC().Format(models.DayLayout) }}
	s := newActivitySink(bt).(*rowSink[models.Activity])
	p := &fieldParser{kind: KindActivity, unit: bt.unit, dayOf: bt.dayOf, latest: "2026-04-02"}
	good := 0
	for {
		rec, err := dec.Next()
		if err == io.EOF {
			return good
		}
		if err != nil {
			b.Fatal(err)
		}
		parseRecord(kindSpecs[KindActivity], p, s, rec)
		if len(p.errs) > 0 {
			b.Fatal(p.errs[0])
		}
		good++
		if s.ready() {
			s.buf = s.buf[:0]
		}
	}
}
