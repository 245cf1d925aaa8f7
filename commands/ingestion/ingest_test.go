package ingestion_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// importFile imports testdata/ingest/NAME as kind.
func ingestFile(t *testing.T, s *models.Store, kind, name string) (ingestion.IngestResult, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "ingest", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ingestion.ImportCSV(context.Background(), s, kind, f)
}

func ingestMust(t *testing.T, s *models.Store, kind, name string) ingestion.IngestResult {
	t.Helper()
	res, err := ingestFile(t, s, kind, name)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

// loadAll imports every kind's good file in dependency order.
func ingestAll(t *testing.T, s *models.Store) map[string]ingestion.IngestResult {
	t.Helper()
	out := map[string]ingestion.IngestResult{}
	for _, kind := range ingestion.Kinds {
		out[kind] = ingestMust(t, s, kind, kind+".csv")
	}
	return out
}

var ingestTables = []string{"accounts", "activities", "tickets", "touches", "surveys", "invoices", "mrr_changes", "metrics"}

// dump renders every ingested table, rows in primary-key order, so two
// states of the database can be compared as text.
func ingestDump(t *testing.T, s *models.Store) string {
	t.Helper()
	var b strings.Builder
	for _, table := range ingestTables {
		order := "id"
		switch table {
		case "activities":
			order = "account_id, day, user_id, feature"
		case "metrics":
			order = "account_id, name, day"
		}
		rows, err := s.DB().Raw("SELECT * FROM " + table + " ORDER BY " + order).Rows()
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s %v\n", table, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintf(&b, "  %v\n", vals)
		}
		rows.Close()
	}
	return b.String()
}

func ingestCount(t *testing.T, s *models.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.DB().Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportEveryKindTwice(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		first := ingestAll(t, s)
		want := map[string][3]int{ // inserted, updated, unchanged
			"accounts": {3, 0, 0}, "activity": {3, 0, 1}, "tickets": {2, 0, 0}, "touches": {2, 0, 0},
			"surveys": {2, 0, 0}, "invoices": {3, 0, 0}, "mrr": {3, 0, 0}, "metrics": {4, 0, 0},
		}
		for kind, w := range want {
			r := first[kind]
			if got := [3]int{r.Inserted, r.Updated, r.Unchanged}; got != w {
				t.Errorf("first %s: got inserted/updated/unchanged %v, want %v", kind, got, w)
			}
			if len(r.Accounts) == 0 {
				t.Errorf("first %s: no touched accounts reported", kind)
			}
		}
		before := ingestDump(t, s)
		second := ingestAll(t, s)
		for kind, r := range second {
			if r.Inserted != 0 || r.Updated != 0 || r.Unchanged != r.Records || len(r.Accounts) != 0 {
				t.Errorf("second %s: got %+v, want everything unchanged", kind, r)
			}
		}
		if after := ingestDump(t, s); after != before {
			t.Errorf("tables changed on re-import:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

func TestImportedValues(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestAll(t, s)
		var accts []models.Account
		if err := s.DB().Order("external_id").Find(&accts).Error; err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%s|%s|%d|%s|%s|%s|%d", accts[0].Name, accts[0].Slug, accts[0].MRRCents,
			accts[0].SponsorTitle, *accts[0].StartedOn, accts[1].Slug, accts[1].MRRCents)
		if want := "Acme, Inc.|acme-inc|123450|VP, Operations|2025-01-15|globex-corp|123450"; got != want {
			t.Errorf("accounts: got %q, want %q", got, want)
		}
		var inv []models.Invoice
		s.DB().Order("external_id").Find(&inv)
		if inv[0].AmountCents != 123450 || inv[1].AmountCents != 123450 || inv[2].AmountCents != 7 {
			t.Errorf("invoice cents: got %d %d %d", inv[0].AmountCents, inv[1].AmountCents, inv[2].AmountCents)
		}
		var acts []models.Activity
		s.DB().Order("account_id, day, user_id").Find(&acts)
		if len(acts) != 3 || acts[1].Day != "2026-03-01" || acts[1].UserID != "u2" {
			t.Errorf("activity: got %+v", acts)
		}
		var tk models.Ticket
		s.DB().Where("external_id = ?", "t-2").First(&tk)
		if tk.OpenedDay != "2026-02-03" || !tk.Escalated || tk.Sentiment != "negative" || tk.ClosedAt != nil {
			t.Errorf("ticket t-2: got %+v", tk)
		}
		var to models.Touch
		s.DB().Where("kind = ?", "qbr").First(&to)
		if to.Note != "Quarterly review, renewal discussed" || !to.Exec || to.Day != "2026-02-10" {
			t.Errorf("touch: got %+v", to)
		}
		var ms []models.Metric
		s.DB().Order("account_id, name, day").Find(&ms)
		if got := fmt.Sprint(ms); got != "[{1 seats_active 2026-03-01 32} {1 seats_active 2026-03-02 33.5} {2 seats_active 2026-03-01 -0.25} {2 trainings 2026-03-01 10}]" {
			t.Errorf("metrics: got %s", got)
		}
	})
}

// TestPartialUpdate: a record updates only the fields it carries.
func TestPartialUpdate(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		res, err := ingestion.ImportCSV(context.Background(), s, "accounts",
			strings.NewReader("external_id,name,mrr\nacc-1,\"Acme, Inc.\",2000\nacc-2,Globex,1234.50\n"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Updated != 1 || res.Unchanged != 1 || res.Inserted != 0 {
			t.Errorf("got %+v, want 1 updated 1 unchanged", res)
		}
		var a models.Account
		s.DB().Where("external_id = ?", "acc-1").First(&a)
		if a.MRRCents != 200000 || a.Slug != "acme-inc" || a.Owner != "alice" || a.Seats != 40 {
			t.Errorf("acc-1 after partial update: %+v", a)
		}
	})
}

func ingestBatchErr(t *testing.T, err error) *ingestion.BatchError {
	t.Helper()
	var be *ingestion.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("got error %v, want a *BatchError", err)
	}
	return be
}

func TestBadRowInMiddleWritesNothing(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		before := ingestDump(t, s)
		n := ingestCount(t, s, "invoices")
		_, err := ingestFile(t, s, "invoices", "invoices_bad_middle.csv")
		be := ingestBatchErr(t, err)
		if len(be.Errors) != 1 {
			t.Fatalf("got %d errors, want 1: %v", len(be.Errors), be)
		}
		want := `line 7, field due_on: "2026-13-01" is not a date (YYYY-MM-DD)`
		if got := be.Errors[0].Error(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if !strings.Contains(be.Error(), want) {
			t.Errorf("batch message %q lacks %q", be.Error(), want)
		}
		if got := ingestCount(t, s, "invoices"); got != n {
			t.Errorf("invoices: %d rows after a rejected batch, want %d", got, n)
		}
		if after := ingestDump(t, s); after != before {
			t.Errorf("a rejected batch changed the database")
		}
	})
}

// TestBadRowAfterFirstChunk: the rejected batch had already written a full
// chunk (with COPY, on PostgreSQL) before the bad record; the transaction
// must undo it.
func TestBadRowAfterFirstChunk(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		var b strings.Builder
		b.WriteString("account,user,day\n")
		for i := range models.ActivityChunk + 500 {
			day := "2026-03-01"
			if i == models.ActivityChunk+100 {
				day = "yesterday"
			}
			fmt.Fprintf(&b, "acc-1,user-%d,%s\n", i, day)
		}
		_, err := ingestion.ImportCSV(context.Background(), s, "activity", strings.NewReader(b.String()))
		be := ingestBatchErr(t, err)
		if be.Errors[0].Position != models.ActivityChunk+102 || be.Errors[0].Field != "day" {
			t.Errorf("got %v, want line %d field day", be.Errors[0], models.ActivityChunk+102)
		}
		if got := ingestCount(t, s, "activities"); got != 0 {
			t.Errorf("activities: %d rows after a rejected batch, want 0", got)
		}
	})
}

func TestImportRejects(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		for _, tc := range []struct {
			file string
			want []string
		}{
			{"unknown_column.csv", []string{`line 1, field currency: unknown column "currency"`}},
			{"unknown_account.csv", []string{`line 3, field account: no account has external_id "acc-404"`}},
			{"money_comma.csv", []string{
				`line 2, field mrr: "12,34" is not an amount`,
				`line 3, field mrr: "1,234.50" is not an amount`,
				`line 4, field mrr: "-5" is not an amount`,
				`line 5, field mrr: "1.234" is not an amount`,
			}},
		} {
			n := ingestCount(t, s, "mrr_changes")
			_, err := ingestFile(t, s, "mrr", tc.file)
			be := ingestBatchErr(t, err)
			if len(be.Errors) != len(tc.want) {
				t.Errorf("%s: got %d errors, want %d:\n%v", tc.file, len(be.Errors), len(tc.want), be)
				continue
			}
			for i, w := range tc.want {
				if got := be.Errors[i].Error(); !strings.HasPrefix(got, w) {
					t.Errorf("%s: error %d: got %q, want prefix %q", tc.file, i, got, w)
				}
			}
			if got := ingestCount(t, s, "mrr_changes"); got != n {
				t.Errorf("%s: rows written by a rejected batch", tc.file)
			}
		}
	})
}

func TestValidationMessages(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		for _, tc := range []struct {
			kind, csv string
			want      string
		}{
			{"surveys", "account,kind,score,at\nacc-1,nps,11,2026-01-01T00:00:00Z\n", `line 2, field score: "11" is not a whole number from 0 to 10`},
			{"surveys", "account,kind,score,at\nacc-1,csat,0,2026-01-01T00:00:00Z\n", `line 2, field score: "0" is not a whole number from 1 to 5`},
			{"surveys", "account,kind,score,at\nacc-1,ces,3,2026-01-01T00:00:00Z\n", `line 2, field kind: "ces" is not one of nps, csat`},
			{"touches", "account,at,kind\nacc-1,2026-01-01 10:00,call\n", `line 2, field at: "2026-01-01 10:00" is not a time (RFC 3339`},
			{"touches", "account,at,kind,exec\nacc-1,2026-01-01T10:00:00Z,call,yes\n", `line 2, field exec: "yes" is not true or false`},
			{"tickets", "external_id,account,opened_at,sentiment\nt,acc-1,2026-01-01T10:00:00Z,angry\n", `line 2, field sentiment: "angry" is not one of positive, neutral, negative`},
			{"invoices", "external_id,account,amount,due_on,status\ni,acc-1,1,2026-01-01,late\n", `line 2, field status: "late" is not one of open, paid, failed, void`},
			{"accounts", "external_id,name,sponsor_status\nx,X,gone\n", `line 2, field sponsor_status: "gone" is not one of active, departed`},
			{"accounts", "external_id,name\nx,Acme Inc\n", `line 2, field name: slug "acme-inc" already belongs to`},
			{"accounts", "external_id,name\nx,Zed\ny,zed\n", `line 3, field name: slug "zed" is already used by external_id "x" at line 2`},
			{"accounts", "name\nX\n", `line 1, field external_id: this required column is missing`},
			{"activity", "account,user\nacc-1,u\n", `line 1, field day: the header needs a day or an at column`},
			{"activity", "account,user,day\nacc-1,,2026-01-01\n", `line 2, field user: is required`},
			{"mrr", "account,effective_on,mrr\nacc-1,2026-01-01,1\nacc-1,2026-01-01,2\n", `line 3, field effective_on: same account and effective_on as line 2`},
			{"mrr", "account,effective_on,mrr\nacc-1,2026-01-01\n", `line 2: has 2 fields but the header has 3`},
			{"mrr", "account,effective_on,mrr\nacc-1,\"2026-01-01,1\n", `line 2: is not valid CSV`},
			{"mrr", "", `line 1: the file is empty`},
			{"metrics", "account,name,day,value\nacc-1,seats_active,2026-01-01,1\nacc-1,seats_active,2026-01-01,2\n", `line 3, field day: same account, name and day as line 2`},
			{"metrics", "account,name,day,value\nacc-1,seats_active,2026-01-01,\n", `line 2, field value: is required (a number`},
			{"metrics", "account,name,day,value\nacc-1,seats_active,2026-01-01,\"1,5\"\n", `line 2, field value: "1,5" is not a number`},
			{"metrics", "account,name,day,value\nacc-1,seats_active,2026-01-01,NaN\n", `line 2, field value: "NaN" is not a number`},
			{"metrics", "account,name,day,value\nacc-1,seats_active,2026-01-01,1e999\n", `line 2, field value: "1e999" is not a number`},
			{"metrics", "account,name,day,value\nacc-1,,2026-01-01,1\n", `line 2, field name: is required`},
			{"metrics", "account,name,value\nacc-1,x,1\n", `line 1, field day: the header needs a day or an at column`},
			{"metrics", "account,name,day,value,unit\nacc-1,x,2026-01-01,1,seats\n", `unit`},
			{"widgets", "a\n", `"widgets" is not a record kind`},
		} {
			_, err := ingestion.ImportCSV(context.Background(), s, tc.kind, strings.NewReader(tc.csv))
			if err == nil {
				t.Errorf("%s %q: no error, want %q", tc.kind, tc.csv, tc.want)
				continue
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %q:\ngot  %v\nwant %q", tc.kind, tc.csv, err, tc.want)
			}
		}
	})
}

func TestParseCents(t *testing.T) {
	for in, want := range map[string]int64{"1234.5": 123450, "1234.50": 123450, "0.07": 7, "12": 1200, "0": 0, "9999999999999.99": 999999999999999} {
		if got, ok := ingestion.ParseCents(in); !ok || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"12,34", "1,234.50", "-5", "+5", "1e3", ".5", "5.", "1.234", "", " 1", "０"} {
		if got, ok := ingestion.ParseCents(in); ok {
			t.Errorf("ParseCents(%q) = %d, want rejected", in, got)
		}
	}
}

// TestUpdatesCount: a re-sent record with a new value is an update, on
// every kind that has values besides its key.
func TestUpdatesCount(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestAll(t, s)
		for _, tc := range []struct{ kind, csv string }{
			{"mrr", "account,effective_on,mrr\nacc-1,2026-01-01,1000.01\nacc-1,2026-02-01,1234.50\n"},
			{"metrics", "account,name,day,value\nacc-1,seats_active,2026-03-01,31\nacc-1,seats_active,2026-03-02,33.5\n"},
			{"tickets", "external_id,account,opened_at,closed_at\nt-2,acc-2,2026-02-03T07:00:00Z,2026-02-04T07:00:00Z\nt-1,acc-1,2026-02-01T09:00:00Z,2026-02-02T10:00:00Z\n"},
			{"touches", "account,at,kind,exec,note,by\nacc-2,2026-02-11T10:30:00Z,call,true,,bob\nacc-1,2026-02-10T15:00:00Z,qbr,true,\"Quarterly review, renewal discussed\",alice\n"},
			{"surveys", "account,kind,score,at,respondent\nacc-2,csat,3,2026-02-13T12:00:00Z,\nacc-1,nps,9,2026-02-12T00:00:00Z,pat@acme.example\n"},
			{"invoices", "external_id,account,amount,due_on,paid_on,status\ninv-2,acc-2,1234.5,2026-02-15,2026-02-20,paid\ninv-1,acc-1,1234.50,2026-02-01,2026-02-03,paid\n"},
		} {
			res, err := ingestion.ImportCSV(context.Background(), s, tc.kind, strings.NewReader(tc.csv))
			if err != nil {
				t.Fatalf("%s: %v", tc.kind, err)
			}
			if res.Inserted != 0 || res.Updated != 1 || res.Unchanged != 1 || len(res.Accounts) != 1 {
				t.Errorf("%s: got %+v, want 1 updated, 1 unchanged, 1 account", tc.kind, res)
			}
		}
	})
}

// TestActivityLookupsBesideWrites: on PostgreSQL a batch looks up each
// chunk's new accounts on a pooled connection while its transaction writes
// the previous chunk, and in the transaction, after that write, when no
// pooled connection is free (here all but the batch's own are held); on
// SQLite always in the transaction. Either way every row lands on its
// account, and an unknown account in a later chunk rejects the batch with
// nothing written.
func TestActivityLookupsBesideWrites(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		const accounts = 30
		var acc strings.Builder
		acc.WriteString("external_id,name\n")
		for i := range accounts {
			fmt.Fprintf(&acc, "b-%d,B %d\n", i, i)
		}
		if _, err := ingestion.ImportCSV(ctx, s, ingestion.KindAccounts, strings.NewReader(acc.String())); err != nil {
			t.Fatal(err)
		}
		n := models.ActivityChunk*2 + 10
		// Rows name the accounts in order, so every chunk brings new ones.
		batch := func(day string, unknownAt int) string {
			var b strings.Builder
			for i := range n {
				account := fmt.Sprintf("b-%d", i*accounts/n)
				if i == unknownAt {
					account = "b-404"
				}
				fmt.Fprintf(&b, `{"account":%q,"user":"u%d","day":%q}`+"\n", account, i, day)
			}
			return b.String()
		}
		ingest := func(body string) (ingestion.IngestResult, error) {
			return ingestion.Ingest(ctx, s, ingestion.KindActivity, ingestion.NewNDJSONDecoder(strings.NewReader(body)),
				ingestion.IngestOptions{By: models.Actor{Origin: models.OriginAPI}})
		}
		check := func(day string) {
			t.Helper()
			var perAccount []int64
			if err := s.DB().Raw(`SELECT COUNT(*) FROM activities v JOIN accounts a ON a.id = v.account_id
				WHERE v.day = ? GROUP BY a.external_id ORDER BY a.external_id`, day).Scan(&perAccount).Error; err != nil {
				t.Fatal(err)
			}
			total := int64(0)
			for _, c := range perAccount {
				total += c
			}
			if len(perAccount) != accounts || total != int64(n) {
				t.Errorf("%s: %d rows over %d accounts, want %d over %d", day, total, len(perAccount), n, accounts)
			}
		}
		if res, err := ingest(batch("2026-03-01", -1)); err != nil || res.Inserted != n || len(res.Accounts) != accounts {
			t.Fatalf("pool free: inserted %d, %d accounts, %v", res.Inserted, len(res.Accounts), err)
		}
		check("2026-03-01")
		if s.Dialect() == models.DialectPostgres {
			modelstest.HoldConns(t, s, s.MaxConns()-1)
		}
		if res, err := ingest(batch("2026-03-02", -1)); err != nil || res.Inserted != n {
			t.Fatalf("pool held: inserted %d, %v", res.Inserted, err)
		}
		check("2026-03-02")
		_, err := ingest(batch("2026-03-03", models.ActivityChunk+7))
		if be := ingestBatchErr(t, err); be.Errors[0].Position != models.ActivityChunk+7 || be.Errors[0].Field != "account" {
			t.Errorf("unknown account: got %v, want index %d field account", be.Errors[0], models.ActivityChunk+7)
		}
		var written int64
		if err := s.DB().Raw("SELECT COUNT(*) FROM activities WHERE day = '2026-03-03'").Scan(&written).Error; err != nil || written != 0 {
			t.Errorf("rejected batch: %d rows written, %v", written, err)
		}
	})
}
