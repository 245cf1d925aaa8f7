package ingestion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// ErrUnknownKind is wrapped by Ingest when the kind is not one of Kinds.
var ErrUnknownKind = errors.New("unknown record kind")

// IngestResult says what a committed batch did.
type IngestResult struct {
	Kind      string
	Records   int // records read; on a rejected batch, how many were read before stopping
	Inserted  int
	Updated   int
	Unchanged int
	// Accounts lists the ids of accounts whose records were inserted or
	// updated, ascending: what needs rescoring.
	Accounts []uint
}

// IngestOptions says who sends a batch, and tunes Ingest.
type IngestOptions struct {
	// By is who sends the batch and from where, for the audit trail:
	// models.OriginAPI for the HTTP API, OriginCLI for `healthbot import`,
	// OriginConnector with the vendor as ID for a webhook. Required: a
	// batch that does not say is refused before anything is read.
	By models.Actor
	// Source names what the batch came from (a file name, a delivery's
	// id), recorded with it; "" for none.
	Source string
	// At is when the audit trail says the batch was written; zero is now.
	At time.Time
	// MaxErrors caps the errors a rejected batch reports (default
	// MaxIngestErrors); reading stops once it is reached.
	MaxErrors int
	// Now is the clock that decides which days are in the future
	// (default time.Now).
	Now func() time.Time
	// PartialAccounts lets an accounts record leave out name when its
	// account exists already, updating only the fields it carries (a
	// connector reports one changed property at a time). name is still
	// required to create an account, and every field given is validated.
	PartialAccounts bool
	// Accounts are account ids the caller has looked up already in this
	// transaction, by external id: records naming them skip the lookup.
	Accounts map[string]uint
}

// ImportCSV validates a CSV file of kind and, when every record is good,
// writes it in one transaction, recorded in the audit trail as a batch
// from the command line. A *BatchError means bad input: nothing was
// written and its message names each bad line and field.
func ImportCSV(ctx context.Context, store *models.Store, kind string, r io.Reader) (IngestResult, error) {
	return Ingest(ctx, store, kind, NewCSVDecoder(r, kind), IngestOptions{By: models.Actor{Origin: models.OriginCLI}})
}

// Ingest is the one write path for every source of records: it reads dec
// to the end, validating each record, and writes in chunks inside one
// transaction, so memory stays flat however long the input. If any record
// is bad the transaction is rolled back (nothing is written) and a
// *BatchError lists the problems; other errors are failures to read the
// input or to write. Records carrying an external_id are upserted by it,
// the others are idempotent by their natural key, so re-sending a batch
// changes nothing. A committed batch is one entry of the audit trail, in
// its transaction: its kind, counts and source, listed in the history of
// every account it changed.
func Ingest(ctx context.Context, store *models.Store, kind string, dec Decoder, opt IngestOptions) (IngestResult, error) {
	if _, ok := kindSpecs[kind]; !ok {
		return IngestResult{Kind: kind}, fmt.Errorf("ingest: %w: %s", ErrUnknownKind, unknownKind(kind))
	}
	if opt.By.Origin == "" {
		return IngestResult{Kind: kind}, errNoOrigin
	}
	var (
		res      IngestResult
		rejected *BatchError
	)
	// A batch's statements carry thousands of rows; they are slow by design
	// and must not fill the slow-query log.
	ctx = models.BulkContext(ctx)
	err := store.WithBulkTx(ctx, func(tx *models.Store) error {
		var err error
		// The transaction is the batch's own: unless the batch writes
		// accounts, its lookups may run beside its writes (batch.lookUp).
		var beside *models.Store
		if kind != KindAccounts {
			beside = store
		}
		res, err = ingestTx(ctx, tx, beside, kind, dec, opt)
		errors.As(err, &rejected)
		return err
	})
	if rejected != nil && errors.Is(err, rejected) {
		return res, rejected
	}
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", kind, err)
	}
	return res, nil
}

// errNoOrigin refuses a batch that does not say who sends it.
var errNoOrigin = errors.New("ingest: IngestOptions.By names no origin: say who sends the batch (api, cli, connector)")

// IngestTx is Ingest inside the caller's transaction tx, for a caller that
// writes other rows with the records (a connector's event bookkeeping);
// the batch's audit entry is written in tx too. Records are written in
// chunks as they are read, so after any error — a *BatchError included —
// the caller must roll tx back: only then is nothing written.
func IngestTx(ctx context.Context, tx *models.Store, kind string, dec Decoder, opt IngestOptions) (IngestResult, error) {
	return ingestTx(ctx, tx, nil, kind, dec, opt)
}

// ingestTx is IngestTx, looking accounts up on beside's pool while tx
// writes, when beside is set: only for a transaction that writes no
// accounts, so both see the same ones.
func ingestTx(ctx context.Context, tx, beside *models.Store, kind string, dec Decoder, opt IngestOptions) (IngestResult, error) {
	spec, ok := kindSpecs[kind]
	if !ok {
		return IngestResult{Kind: kind}, fmt.Errorf("ingest: %w: %s", ErrUnknownKind, unknownKind(kind))
	}
	if opt.By.Origin == "" {
		return IngestResult{Kind: kind}, errNoOrigin
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = MaxIngestErrors
	}
	res := IngestResult{Kind: kind}
	b := &batch{kind: kind, unit: dec.Unit(), tx: tx, beside: beside, dayOf: tx.DayOf, max: opt.MaxErrors, partial: opt.PartialAccounts,
		errs: &BatchError{Kind: kind}, accounts: map[string]uint{}, changed: map[uint]bool{}}
	for ext, id := range opt.Accounts {
		if id != 0 {
			b.accounts[ext] = id
		}
	}
	s := spec.newSink(b)
	// No write may outlive the call, whatever it returns: the caller ends
	// tx next. On success the write was waited for already.
	defer func() { _ = s.wait() }()
	// reused: one allocation per batch, not per record
	p := &fieldParser{kind: kind, unit: b.unit, dayOf: tx.DayOf, latest: LatestEventDay(tx, opt.Now)}
	var ve *ValidationError // outside the loop: errors.As moves it to the heap
	for !b.full() {
		rec, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil && errors.As(err, &ve) {
			res.Records++
			b.reject(ve)
			continue
		}
		if err != nil {
			return res, err
		}
		res.Records++
		parseRecord(spec, p, s, rec)
		for _, e := range p.errs {
			b.reject(e)
		}
		if s.ready() {
			if err := s.flush(ctx); err != nil {
				return res, err
			}
		}
	}
	if err := s.flush(ctx); err != nil {
		return res, err
	}
	if err := s.wait(); err != nil {
		return res, err
	}
	if len(b.errs.Errors) > 0 {
		sort.SliceStable(b.errs.Errors, func(i, j int) bool { return b.errs.Errors[i].Position < b.errs.Errors[j].Position })
		return res, b.errs
	}
	res.Inserted, res.Updated, res.Unchanged = b.counts.Inserted, b.counts.Updated, b.counts.Unchanged
	for id := range b.changed {
		res.Accounts = append(res.Accounts, id)
	}
	slices.Sort(res.Accounts)
	return res, tx.Audit(ctx, auditBatch(res, opt))
}

// parseRecord checks that rec names only spec's fields and holds text a
// database can store, and if so parses it into s; the problems are left
// in p.errs.
func parseRecord(spec kindSpec, p *fieldParser, s sink, rec Record) {
	p.rec, p.errs = rec, p.errs[:0]
	for name := range rec.Fields {
		if !spec.known(name) {
			p.fail(name, "unknown field %s; %s has the fields %s", quote(name), spec.name, strings.Join(spec.fields, ", "))
		}
	}
	if !p.badText() {
		s.add(p)
	}
}

// LatestEventDay is the last day an event may fall on: tomorrow in the
// organisation's time zone, by now (time.Now when nil).
func LatestEventDay(s *models.Store, now func() time.Time) string {
	if now == nil {
		now = time.Now
	}
	today, _ := models.ParseDay(s.DayOf(now()))
	return today.AddDate(0, 0, 1).Format(models.DayLayout)
}

// auditBatch is a committed batch's entry in the audit trail.
func auditBatch(res IngestResult, opt IngestOptions) models.AuditRecord {
	n := func(i int) string { return strconv.Itoa(i) }
	changes := []models.Change{{Field: "records", New: n(res.Records)}, {Field: "inserted", New: n(res.Inserted)},
		{Field: "updated", New: n(res.Updated)}, {Field: "unchanged", New: n(res.Unchanged)}}
	if opt.Source != "" {
		changes = append(changes, models.Change{Field: "source", New: opt.Source})
	}
	return models.AuditRecord{At: opt.At, By: opt.By, Action: models.AuditIngest, Subject: res.Kind, Accounts: res.Accounts, Changes: changes}
}

// batch is the state of one Ingest call shared by its sink.
type batch struct {
	kind, unit string
	partial    bool // IngestOptions.PartialAccounts
	tx         *models.Store
	beside     *models.Store          // where accounts are looked up beside tx's writes (nil: in tx)
	dayOf      func(time.Time) string // the organisation's calendar day of an instant
	max        int
	errs       *BatchError
	counts     models.Counts
	changed    map[uint]bool
	accounts   map[string]uint // external id → id; 0 = looked up, absent
}

// bad reports whether any record was rejected: from then on nothing is
// written, but reading goes on to report more problems.
func (b *batch) bad() bool { return len(b.errs.Errors) > 0 }

func (b *batch) full() bool { return b.errs.Truncated }

func (b *batch) reject(e *ValidationError) {
	if e.Kind == "" {
		e.Kind = b.kind
	}
	if len(b.errs.Errors) >= b.max {
		b.errs.Truncated = true
		return
	}
	b.errs.Errors = append(b.errs.Errors, e)
}

func (b *batch) fail(pos int, field, format string, args ...any) {
	b.reject(&ValidationError{Kind: b.kind, Unit: b.unit, Position: pos, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// record adds a write's counts to the batch.
func (b *batch) record(c models.Counts) {
	b.counts.Add(models.Counts{Inserted: c.Inserted, Updated: c.Updated, Unchanged: c.Unchanged})
	for _, id := range c.Changed {
		b.changed[id] = true
	}
}

// lookUp maps account external ids not seen before in this batch to ids;
// unknown ones map to 0. While a write is under way (writing), it looks
// up beside it where it can (b.beside); otherwise it calls wait, which
// waits for that write, and looks up in the transaction, whose connection
// is then free (the first chunk's lookup takes no second connection). At
// 100,000 activity rows over 16,666 accounts, the lookups of the chunks
// after the first had made the transaction's connection idle for about
// 30 ms between two COPYs.
func (b *batch) lookUp(ctx context.Context, externalIDs []string, writing bool, wait func() error) error {
	var (
		found map[string]uint
		ok    bool
		err   error
	)
	if writing && b.beside != nil {
		found, ok, err = b.beside.AccountIDsByExternalIDBeside(ctx, externalIDs)
	}
	if !ok && err == nil {
		if err = wait(); err == nil {
			found, err = b.tx.AccountIDsByExternalID(ctx, externalIDs)
		}
	}
	if err != nil {
		return err
	}
	for x, id := range found {
		b.accounts[x] = id
	}
	return nil
}

func unknownKind(kind string) string {
	return fmt.Sprintf("%s is not a record kind; use one of %s", quote(kind), strings.Join(Kinds, ", "))
}
