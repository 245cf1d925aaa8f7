package models_test

import (
	"testing"

	"github.com/healthbot/healthbot/models"
)

func TestRedactDSN(t *testing.T) {
	for _, tt := range []struct{ dsn, want string }{
		{"postgres://hb:pw123@db:5432/hb?sslmode=require", "postgres://hb:xxxxx@db:5432/hb?sslmode=require"},
		{"postgres://hb@db/hb?password=pw123&sslmode=disable", "postgres://hb@db/hb?password=xxxxx&sslmode=disable"},
		{"postgresql://hb@db/hb?sslpassword=pw123", "postgresql://hb@db/hb?sslpassword=xxxxx"},
		{"host=db user=hb password=pw123 dbname=hb", "host=db user=hb password=xxxxx dbname=hb"},
		{"host=db password='p w\\'1' dbname=hb", "host=db password=xxxxx dbname=hb"},
		{"healthbot.db", "healthbot.db"},
		{"sqlite:///var/lib/healthbot.db", "sqlite:///var/lib/healthbot.db"},
	} {
		if got := models.RedactDSN(tt.dsn); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
