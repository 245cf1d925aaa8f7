package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/examples"
)

// post sends body with a content type and the bearer token, and returns
// the status and the answer.
func post(t *testing.T, url, token, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCustomComponentEndToEnd: the example model's seat_use, fed by the
// metrics API. Before any metric, seats_active has no row anywhere, so
// seat_use has no data and its weight is shared out; once metrics arrive
// (NDJSON, bearer token) it is scored, shown on the card with its raw
// figure, and moves the score by the expected points; an account without
// seats has no figure and says why.
//
// Umbrella (crm-1): one user every day of the last 30, using reports (of
// the two features seen): usage 100 (DAU 1 / MAU 1), adoption 40 (1 of 2);
// no tickets, touches or invoices anywhere: those have no data.
//
//	before: (30·100 + 25·40) / 55           = 72.73 → 73 Stable
//	after:  (30·100 + 25·40 + 10·60) / 65   = 70.77 → 71 Stable  (seats_active 30 / 40 seats = 0.75: partial, 60)
func TestCustomComponentEndToEnd(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		config := filepath.Join(t.TempDir(), "healthbot.yaml")
		// The example model, without the start-up rescore of the day.
		if err := os.WriteFile(config, append(append([]byte{}, examples.HealthModel...), "\nschedule:\n  rescore: \"\"\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
		p.env["HEALTHBOT_CONFIG"], p.env["HEALTHBOT_INGEST_TOKEN"] = config, "tok"
		base, stop := startServe(t, p)
		defer stop()
		send := func(kind, contentType, body string, want int) string {
			t.Helper()
			code, answer := post(t, base+"/api/v1/"+kind, "tok", contentType, body)
			if code != want {
				t.Fatalf("POST %s = %d %s, want %d", kind, code, answer, want)
			}
			return answer
		}
		send("accounts", "application/json", `[{"external_id":"crm-1","name":"Umbrella","segment":"mid-market","seats":40},
			{"external_id":"crm-2","name":"Wayne","segment":"mid-market","seats":0}]`, 200)
		var activity strings.Builder
		for d := range 30 {
			activity.WriteString(`{"account":"crm-1","user":"u1","feature":"reports","day":"` + now.AddDate(0, 0, -d).Format("2006-01-02") + "\"}\n")
		}
		activity.WriteString(`{"account":"crm-2","user":"w1","feature":"dashboards","day":"2026-11-19"}` + "\n")
		send("activity", "application/x-ndjson", activity.String(), 200)

		// The card as console mode prints it, runs of spaces (the
		// columns) made one.
		card := func(slug string) string {
			t.Helper()
			return strings.Join(strings.Fields(p.mustRun("/health "+slug+"\n", "console").stdout), " ")
		}
		before := card("umbrella")
		for _, want := range []string{"Umbrella — 73 Stable", "No data: support, engagement, payment, seat_use.", "usage daily active · 100/100 · 54.5 of 54.5 pts"} {
			if !strings.Contains(before, want) {
				t.Errorf("card before any metric lacks %q:\n%s", want, before)
			}
		}

		metrics := `{"account":"crm-1","name":"seats_active","day":"2026-11-19","value":30}` + "\n" +
			`{"account":"crm-2","name":"seats_active","at":"2026-11-20T09:00:00Z","value":3}` + "\n"
		if code, _ := post(t, base+"/api/v1/metrics", "", "application/x-ndjson", metrics); code != 401 {
			t.Errorf("metrics without the token = %d, want 401", code)
		}
		bad := send("metrics", "application/x-ndjson", metrics+`{"account":"crm-1","name":"seats_active","day":"2026-11-20","value":"lots"}`+"\n", 422)
		if !strings.Contains(bad, `"index":2,"field":"value","reason":"\"lots\" is not a number`) {
			t.Errorf("bad batch answered %s", bad)
		}
		if got := card("umbrella"); !strings.Contains(got, "Umbrella — 73 Stable") {
			t.Errorf("a rejected batch changed the score:\n%s", got)
		}
		if answer := send("metrics", "application/x-ndjson", metrics, 200); !strings.Contains(answer, `"inserted":2`) {
			t.Errorf("metrics batch answered %s", answer)
		}
		after := card("umbrella")
		for _, want := range []string{"Umbrella — 71 Stable", "No data: support, engagement, payment.",
			"seat_use partial · 60/100 · 9.2 of 15.4 pts · seats_active 30 / 40 seats = 0.75"} {
			if !strings.Contains(after, want) {
				t.Errorf("card after the metrics lacks %q:\n%s", want, after)
			}
		}
		if wayne := card("wayne"); !strings.Contains(wayne, "seat_use (seats_active per seat: the account has no seats)") {
			t.Errorf("an account without seats:\n%s", wayne)
		}
		// The batch's rescore stored today's score with the component.
		for deadline := time.Now().Add(30 * time.Second); ; {
			sn := snapshots(t, p)["crm-1 2026-11-20"]
			if sn.Score == 71 && strings.Contains(sn.Subscores, `"seat_use":60`) && sn.Profile == "default" && sn.ModelVersion != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("today's snapshot after the metrics: %+v", sn)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
