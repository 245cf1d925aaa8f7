// Package models is healthbot's storage: the stored records, their
// migrations, the formats of stored values (a snapshot's JSON), and the
// Store that gathers scoring.Signals with aggregate SQL. It and its own
// sub-packages are the only ones that import gorm and speak SQL:
// everything else reads and writes through Store's methods. Store.DB lends
// the gorm handle to those sub-packages alone (demo and gen, which fill
// databases in bulk) and to tests and their helpers.
package models

import "time"

// Calendar days are stored as "YYYY-MM-DD" strings: they compare in date
// order on both SQLite and PostgreSQL, and carry no time zone ambiguity.
// Every timestamped record also stores its Day in the organisation's time
// zone, computed when written, so windows are plain string ranges in SQL.

// DayLayout is the layout of every stored day.
const DayLayout = "2006-01-02"

// Account is a customer account.
type Account struct {
	ID            uint    `gorm:"primaryKey"`
	ExternalID    string  `gorm:"size:128;not null;uniqueIndex"`
	Name          string  `gorm:"size:256;not null"`
	Slug          string  `gorm:"size:128;not null;uniqueIndex"`
	Plan          string  `gorm:"size:64"`
	Segment       string  `gorm:"size:64"`
	MRRCents      int64   `gorm:"not null;default:0"`
	Seats         int     `gorm:"not null;default:0"`
	Owner         string  `gorm:"size:128;index"` // CSM handle (CSM.Handle)
	StartedOn     *string `gorm:"size:10"`
	RenewalOn     *string `gorm:"size:10"`
	FirstValueOn  *string `gorm:"size:10"`
	ChurnedOn     *string `gorm:"size:10;index"` // the org figures subtract the churned
	SponsorName   string  `gorm:"size:256"`
	SponsorTitle  string  `gorm:"size:256"`
	SponsorStatus string  `gorm:"size:16"`  // "", "active", "departed"
	Channel       string  `gorm:"size:128"` // alert channel; empty = the default
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Activity is one (account, end user, day, feature) tuple; storing each
// tuple once makes re-sent events harmless.
type Activity struct {
	AccountID uint   `gorm:"primaryKey;autoIncrement:false"`
	Day       string `gorm:"primaryKey;size:10;index:activity_feature_day,priority:2"`
	UserID    string `gorm:"primaryKey;size:128"`
	// Feature leads its own index so the org-wide "features seen in the
	// last N days" is a skip over the few distinct features (one probe
	// each) instead of a scan of N days of activity.
	Feature string `gorm:"primaryKey;size:128;index:activity_feature_day,priority:1"` // "" when the event named no feature
}

// ActivityDay is how many distinct users of an account were active on a
// day: a rollup of Activity kept exact by database triggers (rollups.go), so
// a rescore sums a week of these instead of re-reading raw activity. The day
// leads the key, so a window of days is one index range.
type ActivityDay struct {
	Day       string `gorm:"primaryKey;size:10"`
	AccountID uint   `gorm:"primaryKey;autoIncrement:false"`
	Users     int32  `gorm:"not null"` // integer, so SUM(users) is a bigint on PostgreSQL, not a numeric
}

// TableName names the table "activity_days".
func (ActivityDay) TableName() string { return "activity_days" }

// ActivityLast is the latest day a user (Kind "u", Key the user id) or a
// non-empty feature (Kind "f", Key the feature) was active for an account:
// a rollup of Activity kept exact by database triggers (rollups.go). The
// users or features active since day A are those with LastDay >= A. No
// index holds LastDay: ingestion moves the last day of every active user,
// and an index on it would turn each of those updates into index inserts
// (twice the trigger cost, measured), while most keys fall in a 30-day
// window anyway, so a range of such an index would read most of it.
type ActivityLast struct {
	AccountID uint   `gorm:"primaryKey;autoIncrement:false"`
	Kind      string `gorm:"primaryKey;size:1"`
	Key       string `gorm:"primaryKey;size:128"`
	LastDay   string `gorm:"size:10;not null"`
}

// TableName names the table "activity_last".
func (ActivityLast) TableName() string { return "activity_last" }

// Ticket is a support ticket.
type Ticket struct {
	ID         uint   `gorm:"primaryKey"`
	ExternalID string `gorm:"size:128;not null;uniqueIndex"`
	AccountID  uint   `gorm:"not null;index;index:ticket_account_day,priority:1"`
	OpenedAt   time.Time
	OpenedDay  string `gorm:"size:10;not null;index:ticket_account_day,priority:2;index:ticket_opened_day"` // the org mean counts by day
	ClosedAt   *time.Time
	Sentiment  string `gorm:"size:16"` // "", positive, neutral, negative
	Escalated  bool   `gorm:"not null;default:false"`
	Severity   string `gorm:"size:32"`
}

// TouchKinds are the kinds of touch a CSM can log, in the order they are
// offered; chat, ingestion and the generators all take them from here.
var TouchKinds = []string{"call", "email", "meeting", "chat", "qbr", "other"}

// Touch is a CSM interaction with the customer.
type Touch struct {
	ID        uint      `gorm:"primaryKey"`
	AccountID uint      `gorm:"not null;uniqueIndex:touch_natural;index:touch_account_day,priority:1"`
	At        time.Time `gorm:"not null;uniqueIndex:touch_natural"`
	Day       string    `gorm:"size:10;not null;index:touch_account_day,priority:2"`
	Kind      string    `gorm:"size:16;not null;uniqueIndex:touch_natural"` // one of TouchKinds
	Exec      bool      `gorm:"not null;default:false"`
	Note      string    `gorm:"size:2000"`
	By        string    `gorm:"size:128;uniqueIndex:touch_natural"`
	ByID      string    `gorm:"size:160"` // who recorded it in chat, "platform:user id" (e.g. "slack:U123"); "" when ingested
}

// Pulse is a CSM's red / yellow / green read of an account.
type Pulse struct {
	ID        uint      `gorm:"primaryKey"`
	AccountID uint      `gorm:"not null;index;index:pulse_account_day,priority:1"`
	At        time.Time `gorm:"not null"`
	Day       string    `gorm:"size:10;not null;index:pulse_account_day,priority:2"`
	Colour    string    `gorm:"size:8;not null"`
	Reason    string    `gorm:"size:64"`
	Note      string    `gorm:"size:2000"`
	By        string    `gorm:"size:128"`
	ByID      string    `gorm:"size:160"` // who recorded it, "platform:user id" (e.g. "slack:U123"); By is the display name
}

// Survey is one NPS (0-10) or CSAT (1-5) response.
type Survey struct {
	ID         uint      `gorm:"primaryKey"`
	AccountID  uint      `gorm:"not null;uniqueIndex:survey_natural;index:survey_account_day,priority:1"`
	Kind       string    `gorm:"size:8;not null;uniqueIndex:survey_natural"`
	Score      int       `gorm:"not null"`
	At         time.Time `gorm:"not null;uniqueIndex:survey_natural"`
	Day        string    `gorm:"size:10;not null;index:survey_account_day,priority:2;index:survey_day"` // org metrics scan by day
	Respondent string    `gorm:"size:256;uniqueIndex:survey_natural"`
}

// Invoice is a bill sent to the account.
type Invoice struct {
	ID          uint    `gorm:"primaryKey"`
	ExternalID  string  `gorm:"size:128;not null;uniqueIndex"`
	AccountID   uint    `gorm:"not null;index"`
	AmountCents int64   `gorm:"not null"`
	DueOn       string  `gorm:"size:10;not null"`
	PaidOn      *string `gorm:"size:10"`
	Status      string  `gorm:"size:8;not null"` // open, paid, failed, void
}

// MRRChange is the account's MRR from a day on.
type MRRChange struct {
	ID          uint   `gorm:"primaryKey"`
	AccountID   uint   `gorm:"not null;uniqueIndex:mrr_natural"`
	EffectiveOn string `gorm:"size:10;not null;uniqueIndex:mrr_natural"`
	MRRCents    int64  `gorm:"not null"`
}

// Snapshot is an account's score on a day; re-scoring a day replaces it.
// SnapshotJSON writes its Subscores and Details, DecodeSubscores and
// DecodeDetails read them.
type Snapshot struct {
	ID        uint   `gorm:"primaryKey"`
	AccountID uint   `gorm:"not null;uniqueIndex:snapshot_day"`
	Day       string `gorm:"size:10;not null;uniqueIndex:snapshot_day;index:snapshot_by_day"` // summaries read every account's day
	Known     bool   `gorm:"not null"`
	Score     int    `gorm:"not null"`
	Computed  int    `gorm:"not null"`
	Status    string `gorm:"size:16;not null"`
	Subscores string `gorm:"type:text"` // JSON object component -> sub-score, components with data only
	Details   string `gorm:"type:text"` // JSON of SnapshotDetails; "" in snapshots written before it existed
	// Profile and ModelVersion name the model the account was scored
	// with: its profile ("default" when none matched) and the short hash
	// of that profile's effective model (scoring.Effective). Both are ""
	// in snapshots written before they existed; the defaults let an older
	// binary still write rows while a newer one reads them.
	Profile      string `gorm:"size:64;not null;default:''"`
	ModelVersion string `gorm:"size:16;not null;default:''"`
	UpdatedAt    time.Time
}

// SnapshotDetails is the JSON of Snapshot.Details: what the score was made
// of that day, beyond the sub-scores, so a later message can say what a
// figure was ("DAU/MAU 0.31 → 0.12"), why a score was capped, and how the
// score then compares with a later one part by part (Snapshot.Result,
// "/health ACCOUNT why"). Every field is omitted when empty; snapshots
// written before a field existed read it as empty.
type SnapshotDetails struct {
	// Raw maps each component with data to its raw figure that day, as
	// scoring.Part.Raw, e.g. "usage": "DAU 3.1 / MAU 10 = 0.31".
	Raw map[string]string `json:"raw,omitempty"`
	// Overrides are the reasons of the overrides in force, as
	// scoring.Override.Reason, e.g. "executive sponsor left".
	Overrides []string `json:"overrides,omitempty"`
	// Weights maps every component of the model the account was scored
	// with (weight > 0) to its weight, those without data included: which
	// weight was redistributed, and how the points were shared. Band
	// labels are not kept: a snapshot is written for every account every
	// day, and the sub-score and raw figure say what the band did.
	Weights map[string]float64 `json:"weights,omitempty"`
	// Caps are the overrides' rules and caps, in Overrides' order.
	Caps []SnapshotCap `json:"caps,omitempty"`
}

// SnapshotCap is one override in force on a snapshot's day.
type SnapshotCap struct {
	Rule string `json:"rule"` // scoring.RuleSponsorDeparted or scoring.RulePulseRed
	Cap  int    `json:"cap"`
}

// Metric is one figure of an account on a day (seats in use, trainings
// attended, integrations live), ingested as the kind "metrics" and scored
// by the custom components that name it (scoring.CustomComponent). It is
// upserted by (account, name, day). The key serves one account's window
// (a card); metric_name_day serves every account's window of one metric
// (a rescore) and "does the metric have any row" as one probe.
type Metric struct {
	AccountID uint    `gorm:"primaryKey;autoIncrement:false"`
	Name      string  `gorm:"primaryKey;size:128;index:metric_name_day,priority:1"`
	Day       string  `gorm:"primaryKey;size:10;index:metric_name_day,priority:2"`
	Value     float64 `gorm:"not null"`
}

// CSM is a customer success manager, with the chat identities that map to them.
type CSM struct {
	ID            uint   `gorm:"primaryKey"`
	Handle        string `gorm:"size:128;not null;uniqueIndex"` // what Account.Owner holds
	Name          string `gorm:"size:256"`
	Email         string `gorm:"size:256"`
	SlackUserID   string `gorm:"size:64;index"`
	DiscordUserID string `gorm:"size:64;index"`
	// ManagerID is the CSM's manager (another CSM row: a person with chat
	// ids), whom their overdue work escalates to; nil when none.
	ManagerID *uint `gorm:"index"`
}

// AllModels lists every model for migrations, the alert, outbox and task
// run records (AlertModels), the plays' tasks (TaskModels) and the
// connectors' tables (ConnectorModels) included.
func AllModels() []any {
	core := []any{&Account{}, &Activity{}, &ActivityDay{}, &ActivityLast{}, &Ticket{}, &Touch{}, &Pulse{}, &Survey{}, &Invoice{}, &MRRChange{}, &Metric{}, &Snapshot{}, &CurrentScore{}, &CSM{}, &OrgAggregate{}}
	core = append(core, &ProcessedEvent{}) // platform event ids, deduped across replicas (events.go)
	// Roles (roles.go) and the audit trail (audit.go).
	core = append(core, &UserRole{}, &AuditEntry{}, &AuditAccount{})
	core = append(core, AlertModels...)
	core = append(core, ConnectorModels...)
	return append(core, TaskModels...)
}
