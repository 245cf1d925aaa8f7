package console

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
)

// chartDir is where pictures go: Session.ChartDir, else a healthbot
// directory in the system's temporary directory (not the working
// directory, which a session would litter).
func (s *Session) chartDir() string {
	if s.ChartDir != "" {
		return s.ChartDir
	}
	return filepath.Join(os.TempDir(), "healthbot-charts")
}

// writeCharts draws each chart of a reply to a PNG file in the chart
// directory and says where it is, one line each, so it can be opened.
func (s *Session) writeCharts(charts []commands.Chart) error {
	dir := s.chartDir()
	for _, c := range charts {
		png, err := chart.PNG(c)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		path := filepath.Join(dir, filepath.Base(c.Name))
		if err == nil {
			err = os.WriteFile(path, png, 0o644)
		}
		if err != nil {
			s.Log.Error("write chart", "chart", c.Name, "dir", dir, "err", err)
			if err := s.say(fmt.Sprintf("The chart %q could not be written to %s; see the log.", c.Title, dir)); err != nil {
				return err
			}
			continue
		}
		if err := s.say("Chart: " + path); err != nil {
			return err
		}
	}
	return nil
}
