package bot

import "sync"

// DMChannels remembers the direct message channel a platform opened with
// each user: Slack's conversations.open and Discord's DM channel answer
// the same channel every time, so a task's message and its later edits
// cost one call each. The zero value is ready to use.
type DMChannels struct {
	mu sync.Mutex
	by map[string]string // user id → channel id
}

// Channel is the direct message channel of user: the one remembered, or
// the one open opens, remembered when it succeeds.
func (d *DMChannels) Channel(user string, open func() (string, error)) (string, error) {
	d.mu.Lock()
	id, ok := d.by[user]
	d.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := open()
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	if d.by == nil {
		d.by = map[string]string{}
	}
	d.by[user] = id
	d.mu.Unlock()
	return id, nil
}
