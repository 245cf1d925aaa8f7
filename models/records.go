package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// activeAt is the condition "account a is active on day ?" (one argument).
// It is written with COALESCE, not "IS NULL OR >", so SQLite does not turn
// it into a multi-index OR over the churned_on index: nearly every account
// is active, and one table scan beats ten thousand index lookups.
const activeAt = "(COALESCE(churned_on, '9999-12-31') > ?)"

// ActiveAccounts lists accounts not churned on day asOf, by name
// (sortByName). It scans rows by hand (see scanAccounts): callers list
// every account per command.
func (s *Store) ActiveAccounts(ctx context.Context, asOf time.Time) ([]Account, error) {
	var out []Account
	read := func(db *gorm.DB) error {
		r := accountRows{whole: true}
		err := eachRowOf(db, "SELECT "+accountColumns+" FROM accounts WHERE "+activeAt, []any{dayKey(asOf)}, r.scan)
		out = r.list()
		sortByName(out)
		return err
	}
	var err error
	if s.ParallelReads() > 1 {
		// The daily rescore's, read beside its signals on a connection of
		// its own, decoded by pgx.
		err = s.readGrouping(s.orm(ctx), read)
	} else {
		// Decoded by pgx too where it can be (nativeReads): through
		// database/sql, each account's columns were boxed and converted:
		// 1.6 M of the weekly summary's 3.2 M allocations an op at 100,000
		// accounts, and of the critical digest's 3.0 M.
		err = s.nativeReads(ctx, read)
	}
	if err != nil {
		return nil, fmt.Errorf("active accounts: %w", err)
	}
	return out, nil
}

// ActiveAccountsOf lists the accounts among ids (at most MaxSubset) not
// churned on day asOf, in ActiveAccounts' order.
func (s *Store) ActiveAccountsOf(ctx context.Context, asOf time.Time, ids []uint) ([]Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cond, arg := s.subsetCond("id", ids)
	var out []Account
	err := s.customPlans(ctx, true, func(s *Store) error {
		rows, err := s.orm(ctx).Raw("SELECT "+accountColumns+" FROM accounts WHERE "+activeAtNamed+" AND "+cond,
			map[string]any{"t": dayKey(asOf), "subset": arg}).Rows()
		if err != nil {
			return err
		}
		out, err = scanAccounts(rows)
		sortByName(out)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("active accounts: %w", err)
	}
	return out, nil
}

// ActiveAccountNames lists the accounts not churned on day asOf, in
// ActiveAccounts' order (sortByName), with only ID, Slug and Name set:
// what resolving a user's account query reads, without loading whole rows
// of every account on each command.
func (s *Store) ActiveAccountNames(ctx context.Context, asOf time.Time) ([]Account, error) {
	rows, err := s.orm(ctx).Raw("SELECT id, slug, name FROM accounts WHERE "+activeAt, dayKey(asOf)).Rows()
	if err != nil {
		return nil, fmt.Errorf("active account names: %w", err)
	}
	defer rows.Close()
	out := make([]Account, 0, 256)
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Slug, &a.Name); err != nil {
			return nil, fmt.Errorf("active account names: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("active account names: %w", err)
	}
	sortByName(out)
	return out, nil
}

// sortByName puts accounts in the order every account list has: by name,
// byte by byte (as SQLite and a PostgreSQL database of collation C or
// C.UTF-8 compare them), then by id. They are sorted here rather than by
// the database: at 100,000 accounts, the read with PostgreSQL's ORDER BY
// name, id took 290 ms (one comparison in the database's collation after
// another) against 36-65 ms unsorted, in the daily rescore's reads, where
// the server is the busier side. An order of indexes is sorted, then
// applied in place, one move per account: an Account is some hundreds of
// bytes, which sorting the slice itself would copy at every swap.
func sortByName(accounts []Account) {
	order := make([]int, len(accounts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return CompareByName(&accounts[i], &accounts[j]) })
	// accounts[i] becomes the account at order[i], one cycle of the
	// permutation at a time; a visited slot is marked -1.
	for i := range order {
		if order[i] < 0 {
			continue
		}
		first, j := accounts[i], i
		for {
			k := order[j]
			order[j] = -1
			if k == i {
				accounts[j] = first
				break
			}
			accounts[j], j = accounts[k], k
		}
	}
}

// CompareByName orders two accounts as every account list does: by name,
// byte by byte, then by id.
func CompareByName(a, b *Account) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}

// CountAccounts is the number of accounts stored, churned ones included.
func (s *Store) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := s.orm(ctx).Model(&Account{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

// LockAccount makes concurrent writers about the same account take turns
// until tx's transaction ends: a no-op UPDATE takes the row lock on
// PostgreSQL and the write lock on SQLite, so a duplicate check followed by
// an insert cannot interleave with another caller's. Call it on a Store
// from WithTx.
func (s *Store) LockAccount(ctx context.Context, accountID uint) error {
	if err := s.orm(ctx).Exec("UPDATE accounts SET updated_at = updated_at WHERE id = ?", accountID).Error; err != nil {
		return fmt.Errorf("lock account %d: %w", accountID, err)
	}
	return nil
}

// Account loads one account by id (ErrNotFound when absent).
func (s *Store) Account(ctx context.Context, id uint) (Account, error) {
	var a Account
	if err := s.orm(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return Account{}, fmt.Errorf("account %d: %w", id, notFound(err))
	}
	return a, nil
}

// AccountBySlug loads one account by its slug (ErrNotFound when absent).
func (s *Store) AccountBySlug(ctx context.Context, slug string) (Account, error) {
	var a Account
	if err := s.orm(ctx).Where("slug = ?", slug).Take(&a).Error; err != nil {
		return Account{}, fmt.Errorf("account %q: %w", slug, notFound(err))
	}
	return a, nil
}

// History returns an account's snapshots with from <= day <= to, oldest first.
func (s *Store) History(ctx context.Context, accountID uint, from, to time.Time) ([]Snapshot, error) {
	var out []Snapshot
	err := s.orm(ctx).Where("account_id = ? AND day >= ? AND day <= ?", accountID, dayKey(from), dayKey(to)).
		Order("day").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("history of account %d: %w", accountID, err)
	}
	return out, nil
}

// SnapshotAt returns an account's latest snapshot dated on or before day,
// as a trend reads "the score as of that day" (ErrNotFound when none): one
// backward probe of the (account_id, day) index.
func (s *Store) SnapshotAt(ctx context.Context, accountID uint, day time.Time) (Snapshot, error) {
	var sn Snapshot
	err := s.orm(ctx).Where("account_id = ? AND day <= ?", accountID, dayKey(day)).Order("day DESC").Take(&sn).Error
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot of account %d on or before %s: %w", accountID, dayKey(day), notFound(err))
	}
	return sn, nil
}

// RecordPulse stores a pulse (Day is filled from At).
func (s *Store) RecordPulse(ctx context.Context, p *Pulse) error {
	p.Day = s.DayOf(p.At)
	p.At = p.At.UTC()
	if err := s.orm(ctx).Create(p).Error; err != nil {
		return fmt.Errorf("record pulse: %w", err)
	}
	return nil
}

// RecordTouch stores a touch (Day is filled from At).
func (s *Store) RecordTouch(ctx context.Context, t *Touch) error {
	t.Day = s.DayOf(t.At)
	t.At = t.At.UTC()
	if err := s.orm(ctx).Create(t).Error; err != nil {
		return fmt.Errorf("record touch: %w", err)
	}
	return nil
}

// latestOrder sorts timestamped rows newest first. SQLite stores times as
// text with an offset, so it compares them through julianday().
func (s *Store) latestOrder() string {
	if s.dialect == DialectSQLite {
		return "day DESC, julianday(at) DESC, id DESC"
	}
	return "day DESC, at DESC, id DESC"
}

// LatestPulse is the account's most recent pulse (ErrNotFound when none).
func (s *Store) LatestPulse(ctx context.Context, accountID uint) (Pulse, error) {
	var p Pulse
	if err := s.orm(ctx).Where("account_id = ?", accountID).Order(s.latestOrder()).Take(&p).Error; err != nil {
		return Pulse{}, fmt.Errorf("latest pulse of account %d: %w", accountID, notFound(err))
	}
	return p, nil
}

// LastTouch is the account's most recent touch (ErrNotFound when none).
func (s *Store) LastTouch(ctx context.Context, accountID uint) (Touch, error) {
	var t Touch
	if err := s.orm(ctx).Where("account_id = ?", accountID).Order(s.latestOrder()).Take(&t).Error; err != nil {
		return Touch{}, fmt.Errorf("last touch of account %d: %w", accountID, notFound(err))
	}
	return t, nil
}

// OpenTickets lists the account's open tickets, oldest first.
func (s *Store) OpenTickets(ctx context.Context, accountID uint) ([]Ticket, error) {
	var out []Ticket
	err := s.orm(ctx).Where("account_id = ? AND closed_at IS NULL", accountID).Order("opened_day, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("open tickets of account %d: %w", accountID, err)
	}
	return out, nil
}

// overdueAt is "the invoice was open and past due on day T" (two arguments,
// both T): an invoice paid after T was still open then.
const overdueAt = "due_on < ? AND (status = 'open' OR (status = 'paid' AND paid_on > ?))"

// OverdueInvoices lists the account's open invoices due before asOf, oldest first.
func (s *Store) OverdueInvoices(ctx context.Context, accountID uint, asOf time.Time) ([]Invoice, error) {
	t := dayKey(asOf)
	var out []Invoice
	err := s.orm(ctx).Where("account_id = ?", accountID).Where(overdueAt, t, t).Order("due_on, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("overdue invoices of account %d: %w", accountID, err)
	}
	return out, nil
}

// CSMByChatUser maps a chat identity to a CSM (ErrNotFound when unmapped).
// platform is "slack", "discord" or "console"; a console user is its handle.
func (s *Store) CSMByChatUser(ctx context.Context, platform, userID string) (CSM, error) {
	var col string
	switch platform {
	case "slack":
		col = "slack_user_id"
	case "discord":
		col = "discord_user_id"
	case "console":
		col = "handle"
	default:
		return CSM{}, fmt.Errorf("csm for %s user %q: unknown platform: %w", platform, userID, ErrNotFound)
	}
	if userID == "" {
		return CSM{}, fmt.Errorf("csm for %s user: empty id: %w", platform, ErrNotFound)
	}
	var c CSM
	if err := s.orm(ctx).Where(col+" = ?", userID).Order("id").Take(&c).Error; err != nil {
		return CSM{}, fmt.Errorf("csm for %s user %q: %w", platform, userID, notFound(err))
	}
	return c, nil
}
