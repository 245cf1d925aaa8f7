package ingestion

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Record is one decoded input record: where it was, and its fields as
// text. A field that is present but empty (an empty CSV cell, a JSON null)
// is in Fields with value ""; an absent one is not in Fields at all. The
// CSV and JSON decoders reuse one Fields map for every record, so a
// caller that keeps a record's fields past the next Next copies them.
type Record struct {
	Position int // line (CSV) or 0-based index (JSON), per the Decoder's Unit
	Fields   map[string]string
}

// Decoder yields ingestion records one at a time, so a batch of any size
// streams through in constant memory.
type Decoder interface {
	// Unit is UnitLine or UnitIndex: what Record.Position counts.
	Unit() string
	// Next returns the next record, or io.EOF after the last one. A
	// *ValidationError describes malformed input at one position; calling
	// Next again continues after it, or returns io.EOF when the input
	// cannot be resynchronised (a JSON syntax error, a broken CSV quote).
	// Any other error is a failure to read the input.
	Next() (Record, error)
}

// NewCSVDecoder reads CSV with a header row naming kind's fields in any
// order. The header is checked on the first Next: an unknown, repeated or
// missing required column is reported there and ends the input.
func NewCSVDecoder(r io.Reader, kind string) Decoder {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	return &csvDecoder{r: cr, kind: kind}
}

type csvDecoder struct {
	r      *csv.Reader
	kind   string
	header []string
	fields map[string]string // every record's, reused
	done   bool
}

func (d *csvDecoder) Unit() string { return UnitLine }

func (d *csvDecoder) fatal(line int, field, format string, args ...any) (Record, error) {
	d.done = true
	return Record{}, &ValidationError{Kind: d.kind, Unit: UnitLine, Position: line, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (d *csvDecoder) Next() (Record, error) {
	if d.done {
		return Record{}, io.EOF
	}
	if d.header == nil {
		if err := d.readHeader(); err != nil {
			d.done = true
			return Record{}, err
		}
	}
	row, err := d.r.Read()
	if err == io.EOF {
		d.done = true
		return Record{}, io.EOF
	}
	if err != nil {
		return d.rowError(err, row)
	}
	line, _ := d.r.FieldPos(0)
	if d.fields == nil {
		d.fields = make(map[string]string, len(d.header))
	}
	clear(d.fields)
	for i, name := range d.header {
		d.fields[name] = row[i]
	}
	return Record{Position: line, Fields: d.fields}, nil
}

// rowError is Next's answer to an error reading a row: a row with too
// few or too many fields is bad input, and so is broken CSV, which ends
// the input; any other error is a failure to read it. (Not inline in
// Next: the variable errors.As fills would cost an allocation a row.)
func (d *csvDecoder) rowError(err error, row []string) (Record, error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return Record{}, fmt.Errorf("read csv: %w", err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return Record{}, &ValidationError{Kind: d.kind, Unit: UnitLine, Position: pe.StartLine,
			Reason: fmt.Sprintf("has %d fields but the header has %d", len(row), len(d.header))}
	}
	return d.fatal(pe.StartLine, "", "is not valid CSV: %v", pe.Err)
}

func (d *csvDecoder) readHeader() error {
	spec, ok := kindSpecs[d.kind]
	if !ok {
		return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: 1, Reason: unknownKind(d.kind)}
	}
	row, err := d.r.Read()
	if err == io.EOF {
		return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: 1,
			Reason: "the file is empty; the first line must name the columns: " + strings.Join(spec.fields, ",")}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: pe.StartLine, Reason: fmt.Sprintf("is not valid CSV: %v", pe.Err)}
	}
	if err != nil {
		return fmt.Errorf("read csv header: %w", err)
	}
	line, _ := d.r.FieldPos(0)
	seen := map[string]bool{}
	header := make([]string, len(row))
	for i, col := range row {
		if i == 0 {
			col = strings.TrimPrefix(col, "\ufeff") // the byte-order mark spreadsheets write
		}
		col = strings.ToLower(strings.TrimSpace(col))
		switch {
		case !spec.known(col):
			return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: line, Field: col,
				Reason: fmt.Sprintf("unknown column %s; %s has the columns %s", quote(col), d.kind, strings.Join(spec.fields, ", "))}
		case seen[col]:
			return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: line, Field: col, Reason: "this column appears twice"}
		}
		seen[col] = true
		header[i] = col
	}
	for _, req := range spec.required {
		if !seen[req] {
			return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: line, Field: req, Reason: "this required column is missing from the header"}
		}
	}
	if spec.needOneOf != nil && !seen[spec.needOneOf[0]] && !seen[spec.needOneOf[1]] {
		return &ValidationError{Kind: d.kind, Unit: UnitLine, Position: line, Field: spec.needOneOf[0],
			Reason: fmt.Sprintf("the header needs a %s or an %s column", spec.needOneOf[0], spec.needOneOf[1])}
	}
	d.header = append([]string(nil), header...)
	return nil
}

// MaxRecordBytes bounds one JSON record (an array element or an NDJSON
// line): json.Decoder holds a whole value in memory, so without a bound a
// single 30 MB line would cost 30 MB and more however the batch streams.
const MaxRecordBytes = 1 << 20

// recordSlack is how far past a record's limit the reader may run before it
// fails: json.Decoder reads ahead, and a record that fits must not fail for
// the bytes after it. Records between the limit and the slack are caught by
// their length instead.
const recordSlack = 64 << 10

// errRecordTooLarge ends reading when a record runs past its limit.
var errRecordTooLarge = errors.New("record too large")

// cappedReader fails once more than max bytes have been read in all; the
// decoder moves max forward record by record.
type cappedReader struct {
	r         io.Reader
	read, max int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.read >= c.max {
		return 0, errRecordTooLarge
	}
	if room := c.max - c.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

// NewJSONDecoder reads a JSON array of objects.
func NewJSONDecoder(r io.Reader) Decoder {
	d := &jsonDecoder{array: true}
	d.stream(r)
	return d
}

// NewNDJSONDecoder reads newline-delimited JSON: one object per line
// (strictly, any whitespace-separated sequence of objects).
func NewNDJSONDecoder(r io.Reader) Decoder {
	return &jsonDecoder{lines: bufio.NewReaderSize(r, lineBuffer)}
}

// stream makes d read r with encoding/json from here on.
func (d *jsonDecoder) stream(r io.Reader) {
	c := &cappedReader{r: r, max: MaxRecordBytes + recordSlack}
	d.dec = json.NewDecoder(c)
	d.dec.UseNumber()
	d.r, d.capped = c, c
}

type jsonDecoder struct {
	// lines reads NDJSON a line at a time until a line needs encoding/json
	// (nextLine), nil from then on and for a JSON array.
	lines   *bufio.Reader
	dec     *json.Decoder
	r       io.Reader // what dec reads, for the check after the array
	capped  *cappedReader
	array   bool
	started bool
	done    bool
	index   int
	raw     json.RawMessage   // the current record, reused
	values  map[string]string // interned short values (days, features, accounts)
	fields  map[string]string // every record's, reused
}

func (d *jsonDecoder) Unit() string { return UnitIndex }

func (d *jsonDecoder) Next() (Record, error) {
	if d.done {
		return Record{}, io.EOF
	}
	if d.lines != nil {
		if rec, err, ok := d.nextLine(); ok {
			return rec, err
		}
	}
	if d.array && !d.started {
		d.started = true
		tok, err := d.dec.Token()
		if err == io.EOF {
			return d.fatal("the body is empty; send a JSON array of objects")
		}
		if err != nil {
			return d.readErr(err)
		}
		if delim, ok := tok.(json.Delim); !ok || delim != '[' {
			return d.fatal("the body must be a JSON array of objects (or NDJSON with Content-Type application/x-ndjson)")
		}
	}
	if d.array && !d.dec.More() {
		if _, err := d.dec.Token(); err != nil { // the closing bracket
			return d.readErr(err)
		}
		return d.trailing()
	}
	d.raw = d.raw[:0] // RawMessage appends, so the buffer is reused
	d.capped.max = d.dec.InputOffset() + MaxRecordBytes + recordSlack
	err := d.dec.Decode(&d.raw)
	if err == io.EOF && !d.array {
		d.done = true
		return Record{}, io.EOF
	}
	pos := d.index
	if err != nil {
		return d.readErr(err)
	}
	d.index++
	if len(d.raw) > MaxRecordBytes {
		if cap(d.raw) > 2*MaxRecordBytes {
			d.raw = nil // do not keep a big buffer for the rest of the batch
		}
		return Record{}, &ValidationError{Unit: UnitIndex, Position: pos, Reason: recordTooLarge}
	}
	switch d.raw[0] {
	case '{':
	case 'n':
		return Record{}, &ValidationError{Unit: UnitIndex, Position: pos, Reason: "is null, not a JSON object"}
	default:
		return Record{}, &ValidationError{Unit: UnitIndex, Position: pos, Reason: "is not a JSON object"}
	}
	if !utf8.Valid(d.raw) {
		// Checked here because the field walk, like encoding/json, would
		// quietly turn the bad bytes into U+FFFD.
		return Record{}, &ValidationError{Unit: UnitIndex, Position: pos, Reason: "is not valid UTF-8 text; send the body as UTF-8"}
	}
	fields, bad, why := d.flatObject(d.raw)
	if why != "" { // bad may be "", a key like any other
		return Record{}, &ValidationError{Unit: UnitIndex, Position: pos, Field: bad, Reason: why}
	}
	return Record{Position: pos, Fields: fields}, nil
}

// lineBuffer is the longest NDJSON line nextLine walks itself; a longer
// one (far longer than any record an exporter writes) goes to
// encoding/json, which applies MaxRecordBytes.
const lineBuffer = 64 << 10

// nextLine reads NDJSON a line at a time. A line holding one flat object
// in strictly valid JSON (isFlatObject), which is every record a sound
// exporter writes, is walked once, without encoding/json: that scans each
// record twice, once to find its end and once more to copy it, and it was
// a third of the client's CPU in a 100,000-row batch. Any other line (one
// with an error to report, an object spread over lines, several objects
// on one line, a line over lineBuffer bytes) hands it and the rest of the
// body to encoding/json for good, so what is accepted and how each
// problem is worded stay exactly those of the JSON array's decoder. ok is
// false once that has happened: the caller goes on with encoding/json.
func (d *jsonDecoder) nextLine() (rec Record, err error, ok bool) {
	for {
		line, rerr := d.lines.ReadSlice('\n')
		if rerr == nil || rerr == io.EOF {
			obj := bytes.Trim(line, " \t\r\n") // JSON's whitespace, no other
			if len(obj) == 0 && rerr == io.EOF {
				d.done = true
				return Record{}, io.EOF, true
			}
			if len(obj) == 0 {
				continue
			}
			if isFlatObject(obj) {
				pos := d.index
				d.index++
				fields, bad, why := d.flatObject(obj)
				if why != "" {
					return Record{}, &ValidationError{Unit: UnitIndex, Position: pos, Field: bad, Reason: why}, true
				}
				return Record{Position: pos, Fields: fields}, nil, true
			}
		}
		// ReadSlice's bytes are only good until the next read: copied.
		rest := io.Reader(d.lines)
		if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
			rest = errReader{rerr} // encoding/json meets the failure where the body had it
		}
		d.stream(io.MultiReader(bytes.NewReader(bytes.Clone(line)), rest))
		d.lines = nil
		return Record{}, nil, false
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// trailing checks that only whitespace follows the array's closing
// bracket: a second array ("[A][B]") or stray text would otherwise be
// dropped without a word while the batch is answered 200.
func (d *jsonDecoder) trailing() (Record, error) {
	d.done = true
	d.capped.max = math.MaxInt64 // whitespace only, checked in constant memory
	offset := d.dec.InputOffset()
	rest := io.MultiReader(d.dec.Buffered(), d.r)
	buf := make([]byte, 4096)
	for {
		n, err := rest.Read(buf)
		for i, c := range buf[:n] {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				snippet := buf[i:min(n, i+20)]
				return d.fatal(fmt.Sprintf("unexpected %s at byte offset %d, after the array's closing ]; send one JSON array of objects (or NDJSON with Content-Type application/x-ndjson)",
					quote(strings.ToValidUTF8(string(snippet), "?")), offset+int64(i)))
			}
		}
		offset += int64(n)
		if err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil {
			return d.readErr(err)
		}
	}
}

var recordTooLarge = fmt.Sprintf("record too large: over %d bytes (1 MiB); no field needs that much, so check the export", MaxRecordBytes)

// readErr classifies a decoding error: bad JSON is the sender's fault and
// ends the input; anything else is a failure to read the body.
func (d *jsonDecoder) readErr(err error) (Record, error) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return d.fatal("is not valid JSON: " + se.Error())
	}
	if errors.Is(err, errRecordTooLarge) {
		return d.fatal(recordTooLarge + "; reading stopped here")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return d.fatal("the JSON ends in the middle of a value")
	}
	d.done = true
	return Record{}, fmt.Errorf("read json: %w", err)
}

func (d *jsonDecoder) fatal(reason string) (Record, error) {
	d.done = true
	return Record{}, &ValidationError{Unit: UnitIndex, Position: d.index, Reason: reason}
}

// NewRecordsDecoder yields records already in memory (a connector, tests), with
// 0-based index positions.
func NewRecordsDecoder(records []map[string]string) Decoder {
	return &sliceDecoder{recs: records}
}

type sliceDecoder struct {
	recs []map[string]string
	i    int
}

func (d *sliceDecoder) Unit() string { return UnitIndex }

func (d *sliceDecoder) Next() (Record, error) {
	if d.i >= len(d.recs) {
		return Record{}, io.EOF
	}
	d.i++
	return Record{Position: d.i - 1, Fields: d.recs[d.i-1]}, nil
}
