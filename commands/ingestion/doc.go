// Package ingestion is how customer data comes in: one validated,
// all-or-nothing write path for every kind of record (accounts, activity,
// tickets, touches, surveys, invoices, MRR), whatever its source — the CSV
// import (`healthbot import`), the HTTP API (bot/ingest) or records built
// in memory.
//
// A source is a Decoder: it yields records one at a time as text fields,
// so a batch of any size streams through in constant memory. CSV, a JSON
// array, NDJSON and in-memory records have decoders here; a connector
// (a billing or an analytics vendor, say) feeds the same path by mapping
// its payloads to a kind's fields and handing Ingest a Decoder of them.
//
// Ingest checks every field of every record against its kind, and writes
// the batch in one transaction only when all of it is good; otherwise
// nothing is written and a *BatchError names each bad record and field.
//
// The kinds are rows of one table (kinds.go) that Kinds, the CSV headers,
// the JSON field names and the HTTP routes all derive from. Adding a kind
// is a row there and its sink: a parse that validates one record into a
// models row, and the models write that stores a chunk of them.
package ingestion
