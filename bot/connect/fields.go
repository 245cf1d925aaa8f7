package connect

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// AccountFields are the ingestion account fields a vendor property or trait
// may set (external_id is the account's key, never set this way).
var AccountFields = []string{"name", "slug", "plan", "segment", "mrr", "seats", "owner", "started_on",
	"renewal_on", "first_value_on", "churned_on", "sponsor_name", "sponsor_title", "sponsor_status", "channel"}

// IsAccountField reports whether f is one of AccountFields.
func IsAccountField(f string) bool {
	for _, a := range AccountFields {
		if a == f {
			return true
		}
	}
	return false
}

// ParseFieldMap reads "field=name,field=name" (as an environment variable
// would carry it) into a map from account fields to a vendor's names for
// them (HubSpot properties, Segment traits), starting from defaults;
// "field=" drops a default.
func ParseFieldMap(s string, defaults map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for f, p := range defaults {
		out[f] = p
	}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		f, p, ok := strings.Cut(pair, "=")
		f, p = strings.TrimSpace(f), strings.TrimSpace(p)
		if !ok || !IsAccountField(f) {
			return nil, fmt.Errorf("%q is not field=name with an account field (%s)", pair, strings.Join(AccountFields, ", "))
		}
		if p == "" {
			delete(out, f)
			continue
		}
		out[f] = p
	}
	return out, nil
}

// FieldValue renders a vendor's value for an account field in ingestion
// format: dates (…_on) as YYYY-MM-DD from a date, an RFC 3339 time or epoch
// milliseconds (HubSpot's date properties); mrr as money with two decimals;
// seats as a whole number; the rest as trimmed text. A null or empty value
// is "" (it clears an optional field). The store's ingestion path still
// validates the result, so this only translates formats.
func FieldValue(field string, v any) (string, error) {
	s, err := scalar(v)
	if err != nil || s == "" {
		return "", err
	}
	switch {
	case strings.HasSuffix(field, "_on"):
		return dateValue(s)
	case field == "mrr":
		r, ok := new(big.Rat).SetString(strings.ReplaceAll(s, ",", ""))
		if !ok || r.Sign() < 0 {
			return "", fmt.Errorf("%q is not an amount", s)
		}
		c, err := roundRat(new(big.Rat).Mul(r, big.NewRat(100, 1)))
		if err != nil {
			return "", err
		}
		return Money{Cents: c}.String(), nil
	case field == "seats":
		r, ok := new(big.Rat).SetString(s)
		if !ok || !r.IsInt() || r.Sign() < 0 || !r.Num().IsInt64() {
			return "", fmt.Errorf("%q is not a whole number", s)
		}
		return r.Num().String(), nil
	}
	return s, nil
}

// scalar renders a JSON scalar as text; objects and arrays are refused.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("a %T is not a single value", v)
}

// dateValue reads a date, an RFC 3339 time or epoch milliseconds as a UTC
// calendar date.
func dateValue(s string) (string, error) {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Format(time.DateOnly), nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms >= 0 {
		return time.UnixMilli(ms).UTC().Format(time.DateOnly), nil
	}
	return "", fmt.Errorf("%q is not a date (YYYY-MM-DD, an RFC 3339 time or epoch milliseconds)", s)
}
