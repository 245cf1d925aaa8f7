package discord

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// rewriter sends requests meant for discordgo.EndpointAPI to another base
// URL. discordgo builds its endpoint strings once at start-up from
// Discord's address, so redirecting them at the transport is the one place
// that reaches every call.
type rewriter struct {
	base *url.URL // nil: leave requests alone
	next http.RoundTripper
}

func newRewriter(apiURL string, next http.RoundTripper) http.RoundTripper {
	if apiURL == "" {
		return next
	}
	u, err := url.Parse(strings.TrimSuffix(apiURL, "/"))
	if err != nil {
		return next // Config.Validate rejects this before we get here
	}
	return &rewriter{base: u, next: next}
}

func (t *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	api, err := url.Parse(discordgo.EndpointAPI)
	if err != nil || req.URL.Host != api.Host {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = t.base.Scheme, t.base.Host
	rest := strings.TrimPrefix(req.URL.Path, api.Path)
	if rest == req.URL.Path {
		rest = strings.TrimPrefix(req.URL.Path, "/")
	}
	u.Path = t.base.Path + "/" + rest
	u.RawPath = ""
	r.URL, r.Host = &u, ""
	return t.next.RoundTrip(r)
}
