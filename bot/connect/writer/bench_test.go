package writer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/bot/connect/segment"
	"github.com/healthbot/healthbot/bot/connect/writer"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
	"github.com/healthbot/healthbot/models/gen/gentest"
	"github.com/healthbot/healthbot/scoring"
)

// SendersEnv sets how many deliveries are in flight at once (default 200):
// Segment's webhook destination sends one event per request, many
// requests at a time. WritersEnv and GapEnv (a duration) override
// writer.Config.Writers and RescoreGap.
const (
	SendersEnv = "HEALTHBOT_BENCH_SENDERS"
	WritersEnv = "HEALTHBOT_BENCH_WRITERS"
	GapEnv     = "HEALTHBOT_BENCH_RESCORE_GAP"
)

// benchFeatures are the generated dataset's features.
var benchFeatures = []string{"dashboards", "reports", "search", "alerts", "exports", "sharing", "integrations", "api", "admin", "mobile"}

// BenchmarkScaleSegmentTrack sends Segment track calls, one event per
// signed request as Segment's webhooks destination does, from concurrent
// senders, through healthbot's HTTP server (bot.Server: routing, metrics)
// to POST /hooks/segment, into the 10,000-account PostgreSQL dataset; each
// touched account is rescored with the alert hook, as serve wires it. One
// op is one event (run it with e.g. -benchtime 30000x). It reports the
// events per second sustained, the answer's p50/p99, and the p50/p99 from
// an event's receipt to its account's rescore (lag-*), beside the
// baseline query's time measured in the same run. Events are dated the
// day after the dataset's last; that day's rows are deleted afterwards.
//
// Two streams: "new", where nearly every event is a user's first use of a
// feature that day (a new activity row, and its account rescored: the most
// an event costs), and "repeat", where the day's (account, user, feature)
// tuples are stored already, as for nearly every event of a steady stream
// (a product used all day repeats its users' features many times); those
// change no score, so nothing is rescored.
func BenchmarkScaleSegmentTrack(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { slog.SetDefault(prev) })
	s, p := ownDataset(b)
	restore := saveAlertStates(b, s)
	b.Cleanup(func() { clearTrackDay(b, s, p); restore(true) })
	for _, stream := range []string{"new", "repeat"} {
		b.Run(stream, func(b *testing.B) {
			clearTrackDay(b, s, p)
			restore(false)
			runTracks(b, s, p, stream == "repeat")
		})
	}
}

// clearTrackDay deletes what the benchmark wrote: the day's activity,
// snapshots and alerts, and the connector's bookkeeping.
func clearTrackDay(b *testing.B, s *models.Store, p gen.Params) {
	key := p.End.AddDate(0, 0, 1).Format(models.DayLayout)
	for _, q := range []string{
		"DELETE FROM activities WHERE day > '" + p.End.Format(models.DayLayout) + "'",
		"DELETE FROM outbox WHERE alert_id IN (SELECT id FROM alerts WHERE day = '" + key + "')",
		"DELETE FROM alerts WHERE day = '" + key + "'",
		"DELETE FROM snapshots WHERE day = '" + key + "'",
		"DELETE FROM connector_events", "DELETE FROM parked_events", "DELETE FROM connector_versions",
	} {
		if err := s.DB().Exec(q).Error; err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	gentest.Vacuum(b, s, true, "activities", "activity_days", "activity_last", "snapshots", "alerts", "outbox",
		"alert_states", "connector_events", "parked_events", "connector_versions")
}

// runTracks is one run of b.N events; with repeat, their tuples are
// stored first.
func runTracks(b *testing.B, s *models.Store, p gen.Params, repeat bool) {
	ctx := context.Background()
	day := p.End.AddDate(0, 0, 1)
	now := func() time.Time { return day.Add(22 * time.Hour) }
	bodies, headers, tuples := trackEvents(b.N, p.Accounts, day)
	if repeat {
		// Stored earlier in the day (untimed, and rescored then).
		if _, err := ingestion.Ingest(ctx, s, ingestion.KindActivity, ingestion.NewRecordsDecoder(tuples), ingestion.IngestOptions{By: cli, Now: now}); err != nil {
			b.Fatal(err)
		}
		gentest.Vacuum(b, s, true, "activities", "activity_days", "activity_last")
	}
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: now, Log: slog.New(slog.DiscardHandler)}
	alerter := &commands.Alerter{Config: svc.Config, Platforms: []string{commands.Slack}, Now: now, Log: svc.Log}
	svc.OnRescore = alerter.OnRescore
	var (
		mu        sync.Mutex
		lags      []time.Duration
		runs      atomic.Int64
		rescoring atomic.Int64 // nanoseconds spent in rescores
	)
	srv := bot.NewServer("127.0.0.1:0", s, slog.New(slog.DiscardHandler))
	writers, _ := strconv.Atoi(os.Getenv(WritersEnv))
	gap, _ := time.ParseDuration(os.Getenv(GapEnv))
	w := writer.New(writer.Config{Store: s, Now: now, Registry: srv.Registry, Writers: writers, RescoreGap: gap,
		Types: map[string][]string{segment.Source: segment.EventTypes},
		Rescore: func(ctx context.Context, ids []uint) {
			runs.Add(1)
			t0 := time.Now()
			if err := s.WithTx(ctx, func(tx *models.Store) error {
				_, err := svc.RescoreAccounts(ctx, tx, day, ids)
				return err
			}); err != nil {
				b.Error(err)
			}
			rescoring.Add(int64(time.Since(t0)))
		},
		OnLag: func(d time.Duration) { mu.Lock(); lags = append(lags, d); mu.Unlock() },
	})
	defer w.Close()
	srv.Handle("POST /hooks/segment", segment.NewHandler(segment.Config{Secret: secret}, w))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	senders := 200
	if v := os.Getenv(SendersEnv); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			senders = n
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	base, _, err := gen.Baseline(ctx, s, p.End)
	if err != nil {
		b.Fatal(err)
	}

	var (
		next, busy atomic.Int64
		answers    = make([][]time.Duration, senders)
		wg         sync.WaitGroup
	)
	cpu := startCPU(b, s)
	b.ResetTimer()
	start := time.Now()
	for k := range senders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				for {
					t0 := time.Now()
					code := postTrack(b, client, ts.URL+"/hooks/segment", bodies[i], headers[i])
					answers[k] = append(answers[k], time.Since(t0))
					if code == http.StatusOK {
						break
					}
					if code != http.StatusServiceUnavailable {
						b.Errorf("delivery %d: status %d", i, code)
						return
					}
					busy.Add(1) // as Segment would, deliver it again a little later
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	for deadline := time.Now().Add(5 * time.Minute); !w.Idle(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the rescores never caught up")
		}
	}
	drained := time.Since(start)
	goCPU, pgCPU := cpu()
	after, _, err := gen.Baseline(ctx, s, p.End)
	if err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for _, a := range answers {
		all = append(all, a...)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(ms(gen.Percentile(all, 50)), "answer-p50-ms")
	b.ReportMetric(ms(gen.Percentile(all, 99)), "answer-p99-ms")
	b.ReportMetric(ms(gen.Percentile(lags, 50)), "lag-p50-ms")
	b.ReportMetric(ms(gen.Percentile(lags, 99)), "lag-p99-ms")
	b.ReportMetric(float64(len(lags)), "lags")
	b.ReportMetric(float64(runs.Load()), "rescores")
	b.ReportMetric(float64(busy.Load()), "busy-503")
	b.ReportMetric(ms((base+after)/2), "baseline-ms")
	b.ReportMetric(drained.Seconds()-elapsed.Seconds(), "catch-up-s")
	b.ReportMetric(time.Duration(rescoring.Load()).Seconds(), "rescore-s")
	// CPU time per 1,000 events, from the start of the sending to the end
	// of the catch-up: what the machine's load does not change.
	kev := float64(b.N) / 1000
	b.ReportMetric(goCPU.Seconds()/kev, "go-cpu-s/kev")
	if pgCPU >= 0 {
		b.ReportMetric(pgCPU.Seconds()/kev, "pg-cpu-s/kev")
	}
	b.ReportMetric(0, "ns/op")
}

// ownDataset opens (building it the first time) a scale dataset of its
// own: the benchmark's rows and rescores land on the day after the
// dataset's last, which the models and commands benchmarks — run at the
// same time by go test — write and clear too. It has one more day of
// history than theirs (gen.BenchParams), so another schema.
func ownDataset(b *testing.B) (*models.Store, gen.Params) {
	p, err := gen.BenchParams(testing.Short())
	if err != nil {
		b.Fatal(err)
	}
	p.Days++
	datasetOnce.Do(func() { dataset, datasetErr = gen.OpenBench(context.Background(), models.DialectPostgres, p) })
	if errors.Is(datasetErr, gen.ErrNoPostgres) {
		b.Skip(datasetErr)
	}
	if datasetErr != nil {
		b.Fatal(datasetErr)
	}
	b.Logf("postgres dataset %s (%d activity rows)", p, dataset.Stats.ActivityRows())
	return dataset.Store, p
}

// The dataset stays open for the test binary: the benchmark runs once
// with b.N = 1 before its real run.
var (
	datasetOnce sync.Once
	dataset     gen.BenchDataset
	datasetErr  error
)

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// trackEvents are n signed track calls as Segment's webhooks destination
// sends them, by one of the first ten users of a random account of the
// dataset, on day: nearly every one a (account, user, feature) tuple new
// to the day. tuples are the events as ingestion activity records.
func trackEvents(n, accounts int, day time.Time) ([][]byte, []http.Header, []map[string]string) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	bodies, headers, tuples := make([][]byte, n), make([]http.Header, n), make([]map[string]string, n)
	for i := range n {
		acct := fmt.Sprintf("acct-%06d", 1+r.IntN(accounts))
		user, feature := fmt.Sprintf("u%d", 1+r.IntN(10)), benchFeatures[r.IntN(len(benchFeatures))]
		at := day.Add(time.Duration(r.IntN(20*3600)) * time.Second).Format(time.RFC3339Nano)
		body := fmt.Sprintf(`{"type":"track","messageId":"bench-%s-%d","userId":%q,"event":%q,`+
			`"properties":{"plan":"pro"},"context":{"groupId":%q,"library":{"name":"analytics.js","version":"2.11.1"}},`+
			`"timestamp":%q,"receivedAt":%q,"sentAt":%q}`,
			run, i, user, feature, acct, at, at, at)
		bodies[i] = []byte(body)
		headers[i] = connecttest.SignSegment(bodies[i], secret, time.Time{})
		headers[i].Set("Content-Type", "application/json")
		tuples[i] = map[string]string{"account": acct, "user": user, "feature": feature, "at": at}
	}
	return bodies, headers, tuples
}

func postTrack(b *testing.B, c *http.Client, url string, body []byte, h http.Header) int {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		b.Fatal(err)
	}
	req.Header = h.Clone()
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// saveAlertStates copies the dataset's alert states aside; the function
// returned puts them back (and with drop, removes the copy).
func saveAlertStates(b *testing.B, s *models.Store) func(drop bool) {
	exec := func(q string) {
		if err := s.DB().Exec(q).Error; err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec("DROP TABLE IF EXISTS bench_saved_alert_states_hooks")
	exec("CREATE TABLE bench_saved_alert_states_hooks AS SELECT * FROM alert_states")
	return func(drop bool) {
		exec("DELETE FROM alert_states")
		exec("INSERT INTO alert_states SELECT * FROM bench_saved_alert_states_hooks")
		if drop {
			exec("DROP TABLE bench_saved_alert_states_hooks")
		}
	}
}

// startCPU starts counting CPU time: the function returned reports the
// time this process used since (the server, the writer, the rescores and
// the senders alike) and the time the PostgreSQL backends of the store's
// connections used (-1 when they cannot be told apart from others': set
// application_name in HEALTHBOT_TEST_POSTGRES_URL). The pool keeps its
// connections idle meanwhile, so none of them ends, with its time, before
// the count.
func startCPU(b *testing.B, s *models.Store) func() (goCPU, pgCPU time.Duration) {
	sqlDB, err := s.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(100)
	go0, pg0 := selfCPU(), backendCPU(b, s)
	return func() (time.Duration, time.Duration) {
		goCPU := selfCPU() - go0
		pg1 := backendCPU(b, s)
		if pg0 == nil || pg1 == nil {
			return goCPU, -1
		}
		var pg time.Duration
		for pid, t := range pg1 {
			pg += t - pg0[pid]
		}
		return goCPU, pg
	}
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU is the CPU time of each backend serving this application
// (by application_name), read from /proc; nil when it has no name.
func backendCPU(b *testing.B, s *models.Store) map[int]time.Duration {
	var pids []int
	if err := s.DB().Raw(`SELECT pid FROM pg_stat_activity
		WHERE application_name = current_setting('application_name') AND current_setting('application_name') <> ''
		AND datname = current_database()`).Scan(&pids).Error; err != nil {
		b.Fatal(err)
	}
	if len(pids) == 0 {
		return nil
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // not on this machine, or gone
		}
		// Fields after the command's closing parenthesis: utime and stime
		// are the 12th and 13th, in clock ticks (100 a second on Linux).
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(u+st) * 10 * time.Millisecond
	}
	return out
}

// BenchmarkScaleGatherSome compares, on the dataset of
// BenchmarkScaleSegmentTrack, the two ways a rescore of some thousands of
// accounts gathers their signals: "all" reads every account's rows and
// keeps those wanted (the set-based pass before ModelSignalsOf), "some"
// reads the wanted accounts' rows only. HEALTHBOT_BENCH_SOME sets how
// many accounts (default 3,000: about a second of the track stream).
func BenchmarkScaleGatherSome(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { slog.SetDefault(prev) })
	s, p := ownDataset(b)
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("HEALTHBOT_BENCH_SOME")); err == nil && v > 0 {
		n = v
	}
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]uint, 0, n)
	for _, i := range r.Perm(p.Accounts)[:n] {
		ids = append(ids, uint(i+1))
	}
	model := scoring.ModelOf(scoring.Default())
	ctx := context.Background()
	for _, way := range []string{"all", "some"} {
		b.Run(way, func(b *testing.B) {
			cpu := startCPU(b, s)
			for b.Loop() {
				got := 0
				var err error
				if way == "all" {
					want := map[uint]bool{}
					for _, id := range ids {
						want[id] = true
					}
					err = s.ModelSignals(ctx, &model, p.End, func(_ *scoring.Effective, sig scoring.Signals) error {
						if want[sig.AccountID] {
							got++
						}
						return nil
					})
				} else {
					err = s.ModelSignalsOf(ctx, &model, p.End, ids, func(*scoring.Effective, scoring.Signals) error { got++; return nil })
				}
				if err != nil || got == 0 {
					b.Fatalf("%d accounts, %v", got, err)
				}
			}
			goCPU, pgCPU := cpu()
			b.ReportMetric(goCPU.Seconds()*1000/float64(b.N), "go-cpu-ms/op")
			if pgCPU >= 0 {
				b.ReportMetric(pgCPU.Seconds()*1000/float64(b.N), "pg-cpu-ms/op")
			}
		})
	}
}
