package slack_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestChartCommand: "/health acme chart" through the signed HTTP handler
// with the real Service: the command is acknowledged with nothing, the
// picture is drawn, uploaded as a PNG through Slack's upload flow and
// shared in the channel asked from, in a message naming what it shows.
// A channel the bot cannot post in is explained to the asker alone.
func TestChartCommand(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		seedHistory(t, s)
		svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return clock }, Log: slog.New(slog.DiscardHandler)}
		h := newHarness(t, svc)

		w := h.commandWithURL("/health", "acme chart", "chart")
		if w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Fatalf("the command was answered %d %q; want an empty acknowledgement", w.Code, w.Body.String())
		}
		get := h.api.next(t, "files.getUploadURLExternal")
		up := h.api.next(t, "upload")
		done := h.api.next(t, "files.completeUploadExternal")

		name, data := uploadedFile(t, up)
		if name != "acme-2025-03-14.png" || get.Form.Get("filename") != name || get.Form.Get("length") != itoa(len(data)) {
			t.Errorf("uploaded %q (%d bytes); asked for %v", name, len(data), get.Form)
		}
		if ct := http.DetectContentType(data); ct != "image/png" {
			t.Errorf("the upload is %s, not a PNG", ct)
		}
		if img, err := png.Decode(bytes.NewReader(data)); err != nil || img.Bounds().Dx() != 860 {
			t.Errorf("the upload does not decode as the chart: %v", err)
		}
		if alt := get.Form.Get("alt_txt"); !strings.HasPrefix(alt, "Score 87 on Dec 15, 61 on Mar 13") {
			t.Errorf("alt text %q", alt)
		}
		var files []map[string]string
		if err := json.Unmarshal([]byte(done.Form.Get("files")), &files); err != nil {
			t.Fatal(err)
		}
		if done.Form.Get("channel_id") != "C0001" || len(files) != 1 || files[0]["id"] != "F0001" || files[0]["title"] != "Acme Corp — score over 90 days" {
			t.Errorf("completeUploadExternal %v", done.Form)
		}
		if c := done.Form.Get("initial_comment"); !strings.HasPrefix(c, "*Acme Corp — score over 90 days*\nScore 87 on Dec 15") {
			t.Errorf("the message says %q", c)
		}

		// Not a member of the channel: the asker is told, privately.
		h.api.failWith("files.completeUploadExternal", "not_in_channel")
		h.commandWithURL("/health", "acme chart", "chart-2")
		got := h.api.next(t, "response_url")
		if str(got.JSON, "response_type") != "ephemeral" || !strings.Contains(str(got.JSON, "text"), "invite healthbot to the channel") {
			t.Errorf("failure told as %v", got.JSON)
		}
	})
}

// seedHistory gives Acme 90 days of snapshots sliding from 88 to 61 (87 on the chart's first day),
// with a pulse and an alert on the way (the touch is seed's).
func seedHistory(t *testing.T, s *models.Store) {
	t.Helper()
	var acc models.Account
	if err := s.DB().Where("slug = ?", "acme").First(&acc).Error; err != nil {
		t.Fatal(err)
	}
	var snaps []models.Snapshot
	for n := 90; n >= 1; n-- {
		score := 61 + (n-1)*27/89
		snaps = append(snaps, models.Snapshot{AccountID: acc.ID, Day: clock.AddDate(0, 0, -n).Format(models.DayLayout),
			Known: true, Score: score, Computed: score, Status: string(scoring.StatusOf(score)), Subscores: "{}"})
	}
	for _, v := range []any{
		&snaps,
		&models.Pulse{AccountID: acc.ID, At: clock.AddDate(0, 0, -30), Day: clock.AddDate(0, 0, -30).Format(models.DayLayout), Colour: "yellow", By: "Maria"},
		&models.AlertRecord{DedupeKey: "acme/below_80", AccountID: acc.ID, Rule: "above_80", Arming: 1, Day: clock.AddDate(0, 0, -60).Format(models.DayLayout)},
	} {
		if err := s.DB().Create(v).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// uploadedFile reads the file part of an upload as slack-go sends it.
func uploadedFile(t *testing.T, c apiCall) (string, []byte) {
	t.Helper()
	_, params, err := mime.ParseMediaType(c.Type)
	if err != nil {
		t.Fatalf("upload content type %q: %v", c.Type, err)
	}
	part, err := multipart.NewReader(bytes.NewReader(c.Raw), params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(part)
	if err != nil {
		t.Fatal(err)
	}
	return part.FileName(), data
}
