package ingestion

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/healthbot/healthbot/models"
)

// kindSpec is one row of kindTable: a record kind's fields (as
// docs/ingestion.md lists them) and how its records become rows.
type kindSpec struct {
	name      string     // what the kind is called: the CSV import's KIND, the API's path
	fields    []string   // every accepted field, in documented order
	required  []string   // fields that must be present and non-empty
	needOneOf *[2]string // one of these two must be present (activity: day or at)
	newSink   func(b *batch) sink
}

func (k kindSpec) known(field string) bool { return slices.Contains(k.fields, field) }

// sink buffers one kind's parsed records and writes them a chunk at a time.
type sink interface {
	// add parses one record, reporting problems on p.
	add(p *fieldParser)
	// size is how many records are buffered.
	size() int
	// ready says the buffer holds a full chunk, time to flush.
	ready() bool
	// flush resolves accounts and, while the batch has no errors, starts
	// writing the buffer; it empties the buffer either way. The write may
	// still be under way when it returns (see rowSink.writing).
	flush(ctx context.Context) error
	// wait waits for the write under way, if any, and reports its error.
	// Nothing else may use the batch's transaction before it returns.
	wait() error
}

// pending is a parsed record waiting in a chunk.
type pending[T any] struct {
	pos     int
	account string            // the account's external id ("" for accounts)
	fields  map[string]string // the record as sent: which fields it carried
	row     T
}

// rowSink is the sink shared by every kind; the kind supplies the parts
// that differ.
type rowSink[T any] struct {
	b *batch
	// parse validates a record into a row and the account it refers to.
	parse func(p *fieldParser) (row T, account string)
	// key identifies a record within the batch for duplicate detection
	// ("" = no check); dupField and dupWhat word the error.
	key      func(row T, account string) string
	dupField string
	dupWhat  string
	// setAccount stores the resolved account id (nil for accounts).
	setAccount func(row *T, id uint)
	// merge, when set, completes rows from the stored ones before writing
	// (partial upserts, slug checks); it may reject records.
	merge func(ctx context.Context, s *rowSink[T], chunk []pending[T]) error
	write func(tx *models.Store, ctx context.Context, rows []T) (models.Counts, error)
	// order, when set, puts a chunk's rows in the order write stores them,
	// before the previous chunk's write is waited for.
	order func(rows []T)
	// chunk is how many records a flush writes (default models.IngestChunk).
	chunk int

	seen map[string]int // key → position of its first record
	buf  []pending[T]

	// writing is the chunk write under way: flush starts it and returns,
	// so the next chunk is decoded and parsed while the database stores
	// this one (the two had taken turns, and at 100,000 activity rows the
	// parsing was a third of the batch's time). The next flush waits for
	// it before anything else uses the transaction's connection, and so
	// must the batch's end.
	writing chan written
}

// written is the outcome of a chunk's write.
type written struct {
	counts models.Counts
	err    error
}

func (s *rowSink[T]) wait() error {
	if s.writing == nil {
		return nil
	}
	w := <-s.writing
	s.writing = nil
	if w.err != nil {
		return w.err
	}
	s.b.record(w.counts)
	return nil
}

func (s *rowSink[T]) size() int { return len(s.buf) }

func (s *rowSink[T]) ready() bool {
	if s.chunk > 0 {
		return len(s.buf) >= s.chunk
	}
	return len(s.buf) >= models.IngestChunk
}

func (s *rowSink[T]) add(p *fieldParser) {
	before := len(p.errs)
	row, account := s.parse(p)
	if len(p.errs) > before {
		return
	}
	if s.key != nil {
		k := s.key(row, account)
		if first, dup := s.seen[k]; dup {
			p.fail(s.dupField, "%s as %s %d; send each record once per batch", s.dupWhat, s.b.unit, first)
			return
		}
		if s.seen == nil {
			s.seen = map[string]int{}
		}
		s.seen[k] = p.rec.Position
	}
	var fields map[string]string
	if s.merge != nil { // only a merge asks which fields a record carried
		fields = maps.Clone(p.rec.Fields) // the decoder reuses its map
	}
	s.buf = append(s.buf, pending[T]{pos: p.rec.Position, account: account, fields: fields, row: row})
}

// unresolved lists the chunk's accounts not looked up before in this
// batch, each once, and marks them looked up (unknown, until lookUp).
func (s *rowSink[T]) unresolved(chunk []pending[T]) []string {
	var missing []string
	for _, p := range chunk {
		if _, ok := s.b.accounts[p.account]; !ok {
			s.b.accounts[p.account] = 0
			missing = append(missing, p.account)
		}
	}
	return missing
}

func (s *rowSink[T]) flush(ctx context.Context) error {
	chunk := s.buf
	s.buf = s.buf[:0]
	// What needs no database is done before waiting for the write under
	// way: the accounts already looked up, the rows, their order.
	if s.setAccount != nil {
		if missing := s.unresolved(chunk); len(missing) > 0 {
			if err := s.b.lookUp(ctx, missing, s.writing != nil, s.wait); err != nil {
				return err
			}
		}
		kept := chunk[:0]
		for i := range chunk {
			p := &chunk[i] // not a copy per record: setAccount's pointer would move it to the heap
			id := s.b.accounts[p.account]
			if id == 0 {
				s.b.fail(p.pos, "account", "no account has external_id %s; import it with the accounts kind first", quote(p.account))
				continue
			}
			s.setAccount(&p.row, id)
			kept = append(kept, *p)
		}
		chunk = kept
	}
	if s.merge != nil && len(chunk) > 0 {
		if err := s.wait(); err != nil {
			return err
		}
		if err := s.merge(ctx, s, chunk); err != nil {
			return err
		}
	}
	if s.b.bad() || len(chunk) == 0 {
		return s.wait()
	}
	rows := make([]T, len(chunk)) // the write's own: buf is refilled meanwhile
	for i, p := range chunk {
		rows[i] = p.row
	}
	if s.order != nil {
		s.order(rows)
	}
	if err := s.wait(); err != nil {
		return err
	}
	done := make(chan written, 1)
	s.writing = done
	go func() {
		var w written
		defer func() {
			if r := recover(); r != nil {
				w.err = fmt.Errorf("write %s: panic: %v", s.b.kind, r)
			}
			done <- w
		}()
		w.counts, w.err = s.write(s.b.tx, ctx, rows)
	}()
	return nil
}
