package commands_test

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// whyNow is the clock of the why fixture (commandstest.Whys).
var whyNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// TestWhy answers "/health ACCOUNT why" for an account whose usage fell,
// one a red pulse capped and one whose profile changed, on both databases
// against the same golden files, and checks that what each shows adds up.
func TestWhy(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := commandstest.WhysOn(t, s, "slack", whyNow)
		for _, tc := range []struct {
			name  string
			reply commands.Reply
			says  []string
		}{
			{"why_usage_fell", w.UsageFell, []string{"Initech — 95 Healthy → 79 Stable over 7 days",
				"100 → 67 weekly active", "DAU 8.0 / MAU 8 = 1.00 → DAU 1.0 / MAU 8 = 0.12",
				"seats_active 9 / 10 seats = 0.90 → seats_active 3 / 10 seats = 0.30"}},
			{"why_pulse_capped", w.PulseCapped, []string{"Globex — 100 Healthy → 59 At-risk (capped; computed 100) over 7 days",
				"Applied: CSM pulse red: budget (cap 59)", "overrides −41.00"}},
			{"why_profile_changed", w.ProfileChanged, []string{"Hooli — 67 Stable → 88 Healthy over 7 days",
				"Profile changed: default → smb", "Model changed: version", "model +27.27"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				checkGolden(t, tc.name, tc.reply)
				all := replyText(tc.reply)
				for _, want := range tc.says {
					if !strings.Contains(all, want) {
						t.Errorf("lacks %q:\n%s", want, all)
					}
				}
				checkWhyAddsUp(t, tc.reply)
			})
		}
	})
}

var signedNumber = regexp.MustCompile(`[+−]?\d+\.\d\d`)

// shownNumber reads a figure as renderWhy writes it: "+6.90", "−6.90", "0.00".
func shownNumber(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.Replace(s, "−", "-", 1), 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return f
}

// checkWhyAddsUp reads the shown figures back: the steps in "Adds up" and
// the components' changes with the overrides' effect each add up to the
// change shown, and the change is the unrounded scores' difference.
func checkWhyAddsUp(t *testing.T, r commands.Reply) {
	t.Helper()
	lead := signedNumber.FindAllString(strings.SplitN(r.Text, "\n", 2)[0], -1)
	if len(lead) != 3 {
		t.Fatalf("lead %q: want the unrounded scores and the change", r.Text)
	}
	then, now, change := shownNumber(t, lead[0]), shownNumber(t, lead[1]), shownNumber(t, lead[2])
	if math.Abs(now-then-change) > 0.0100001 {
		t.Errorf("%v → %v is not a change of %v", then, now, change)
	}
	var parts float64
	for _, sec := range r.Sections {
		switch sec.Title {
		case "Adds up":
			nums := signedNumber.FindAllString(sec.Text, -1)
			if len(nums) != 5 || shownNumber(t, nums[0]) != change {
				t.Fatalf("adds up %q: want the change %v and four steps", sec.Text, change)
			}
			if sum := shownNumber(t, nums[1]) + shownNumber(t, nums[2]) + shownNumber(t, nums[3]) + shownNumber(t, nums[4]); math.Abs(sum-change) > 1e-9 {
				t.Errorf("steps %v add up to %v, not %v", nums[1:], sum, change)
			}
		case "Overrides":
			if m := regexp.MustCompile(`Effect on the change: ([+−]?\d+\.\d\d)`).FindStringSubmatch(sec.Text); m != nil {
				parts += shownNumber(t, m[1])
			}
		default:
			for _, f := range sec.Fields {
				if m := regexp.MustCompile(`pts \(([+−]?\d+\.\d\d)`).FindStringSubmatch(f.Value); m != nil {
					parts += shownNumber(t, m[1])
				}
			}
		}
	}
	if math.Abs(parts-change) > 1e-9 {
		t.Errorf("the components and overrides shown add up to %v, not %v", parts, change)
	}
}

func replyText(r commands.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Text + "\n")
	for _, s := range r.Sections {
		b.WriteString(s.Title + "\n" + s.Text + "\n")
		for _, f := range s.Fields {
			b.WriteString(f.Label + ": " + f.Value + "\n")
		}
	}
	return b.String() + strings.Join(r.Context, "\n")
}

// TestWhyExactSum takes the same three changes apart from the stored
// snapshot and today's score: the parts and the overrides add up to the
// change of the unrounded score exactly, not just as shown.
func TestWhyExactSum(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	commandstest.WhysOn(t, s, "console", whyNow)
	model := commandstest.ExampleModel(t)
	ctx := context.Background()
	today := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, slug := range []string{"initech", "globex", "hooli"} {
		acc, err := s.AccountBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		eff := model.For(acc.Segment, acc.Plan)
		sig, err := s.Signals(ctx, eff.Config, acc.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		sn, err := s.SnapshotAt(ctx, acc.ID, today.AddDate(0, 0, -7))
		if err != nil {
			t.Fatal(err)
		}
		then, err := sn.Result()
		if err != nil {
			t.Fatal(err)
		}
		d := scoring.Why(then, eff.Score(sig))
		sum := d.Overrides
		for _, p := range d.Parts {
			sum += p.SubScore + p.Model + p.Redistribution
		}
		if !d.Comparable || math.Abs(sum-d.Change) > 1e-9 || math.Abs(d.Now.Unrounded-d.Then.Unrounded-d.Change) > 1e-9 {
			t.Errorf("%s: parts %v, change %v, unrounded %v → %v", slug, sum, d.Change, d.Then.Unrounded, d.Now.Unrounded)
		}
	}
}

// TestWhyWithoutHistory: no snapshot that far back, or one written before
// snapshots kept their parts, is said, not failed on.
func TestWhyWithoutHistory(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	commandstest.SeedWhyAccounts(t, s, whyNow)
	svc, clock := newTestService(s)
	clock.t = whyNow
	if r := runLine(t, svc, callerMaria, "/health initech why 3"); !strings.Contains(r.Text, "Initech has no score recorded on or before 2026-03-12") {
		t.Errorf("no history: %q", r.Text)
	}
	insert(t, s, &models.Snapshot{AccountID: 1, Day: "2026-03-01", Known: true, Score: 70, Computed: 70, Status: "Stable", Subscores: `{"usage":67}`})
	if r := runLine(t, svc, callerMaria, "/health initech why"); !strings.Contains(r.Text, "score of 2026-03-01 (70 Stable) was stored before healthbot kept its parts") {
		t.Errorf("an old snapshot: %q", r.Text)
	}
	if r := runLine(t, svc, callerMaria, "/health initech why 0"); !strings.Contains(r.Text, `"0" is not a number of days`) {
		t.Errorf("0 days: %q", r.Text)
	}
}

// TestCardMarksAModelChange: Hooli's card after its segment became smb
// marks the change of model on its trend, naming both profiles, and
// offers the Why button since its 7-day trend moved; Globex, whose model
// did not change, has no mark.
func TestCardMarksAModelChange(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	commandstest.WhysOn(t, s, "slack", whyNow)
	model := commandstest.ExampleModel(t)
	svc, clock := newTestService(s)
	clock.t, svc.Model, svc.Config = whyNow, model, model.Default.Config
	hooli := runLine(t, svc, callerMaria, "/health hooli")
	if want := "▲21 over 7 days; model changed on 2026-03-15 (profile default → smb)."; !strings.HasPrefix(hooli.Text, want) {
		t.Errorf("Hooli's trend %q, want %q", hooli.Text, want)
	}
	if n := len(hooli.Buttons); n < 2 {
		t.Fatalf("Hooli's buttons %+v", hooli.Buttons)
	}
	if b := hooli.Buttons[len(hooli.Buttons)-2]; b.Label != "Why did it change?" || b.Action != "/health hooli why" {
		t.Errorf("Hooli's next to last button %+v", b)
	}
	if b := hooli.Buttons[len(hooli.Buttons)-1]; b.Label != "Chart" || b.Action != "/health hooli chart" {
		t.Errorf("Hooli's last button %+v", b)
	}
	if globex := runLine(t, svc, callerMaria, "/health globex"); strings.Contains(globex.Text, "model changed") {
		t.Errorf("Globex's trend %q marks a change", globex.Text)
	}
}
