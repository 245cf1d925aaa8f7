package main

import (
	"os"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/models/modelstest"
)

const dsnSecret = "s3cr3t-pw"

// printed is everything a run showed: its error, standard output and
// standard error (where the log goes).
func (r result) printed() string {
	s := r.stdout + "\n" + r.stderr
	if r.err != nil {
		s += "\n" + r.err.Error()
	}
	return s
}

// TestDatabaseURLPasswordNeverPrinted: a password given as ?password= in
// DATABASE_URL is redacted wherever the URL or an error about it is shown:
// a server that cannot be reached, a URL the driver cannot parse, and a
// successful migrate that names the database.
func TestDatabaseURLPasswordNeverPrinted(t *testing.T) {
	for name, dsn := range map[string]string{
		"unreachable": "postgres://hb@127.0.0.1:1/db?password=" + dsnSecret + "&sslmode=disable&connect_timeout=2",
		"unparseable": "postgres://hb@127.0.0.1:1/db?password=" + dsnSecret + "&sslmode=bogus",
		"userinfo":    "postgres://hb:" + dsnSecret + "@127.0.0.1:1/db?sslmode=bogus",
	} {
		t.Run(name, func(t *testing.T) {
			r := newProgram(t, dsn).run("", "migrate")
			if r.code == 0 {
				t.Fatalf("migrate succeeded on %s", dsn)
			}
			if out := r.printed(); strings.Contains(out, dsnSecret) {
				t.Errorf("the password was printed:\n%s", out)
			}
		})
	}
	if os.Getenv(modelstest.PostgresEnv) != "" {
		t.Run("migrated", func(t *testing.T) {
			// The test server trusts local connections: the password is
			// sent and ignored, and the run succeeds.
			r := newProgram(t, modelstest.PostgresDSN(t)+"&password="+dsnSecret).mustRun("", "migrate")
			if out := r.printed(); strings.Contains(out, dsnSecret) || !strings.Contains(out, "password=xxxxx") {
				t.Errorf("migrate printed:\n%s", out)
			}
		})
	}
}

// TestKeywordDatabaseURLRefused: a libpq keyword/value string is not taken
// for a SQLite file name: it is refused (exit 2) with a message that says
// to write it as a URL, without its password, and no file is created.
func TestKeywordDatabaseURLRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := newProgram(t, "host=127.0.0.1 port=5432 user=hb password="+dsnSecret+" dbname=healthbot sslmode=disable").run("", "migrate")
	if r.code != 2 || !strings.Contains(r.printed(), "postgres://") {
		t.Errorf("exit %d, printed:\n%s\nwant exit 2 and a message showing the URL form", r.code, r.printed())
	}
	if strings.Contains(r.printed(), dsnSecret) {
		t.Errorf("the password was printed:\n%s", r.printed())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files created: %v", entries)
	}
}
