package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm/clause"
)

// ErrChatIDTaken is returned by ClaimChatUser when the CSM already has a
// different chat id on that platform.
var ErrChatIDTaken = errors.New("chat id already set")

// ChatColumn is the CSM column holding the user id of a chat platform
// ("slack", "discord"); ok is false for a platform whose users are not
// stored by id (the console's user is the handle itself).
func ChatColumn(platform string) (column string, ok bool) {
	switch platform {
	case "slack":
		return "slack_user_id", true
	case "discord":
		return "discord_user_id", true
	}
	return "", false
}

// ChatID is the CSM's user id on platform, "" when unknown.
func (c CSM) ChatID(platform string) string {
	switch platform {
	case "slack":
		return c.SlackUserID
	case "discord":
		return c.DiscordUserID
	case "console":
		return c.Handle
	}
	return ""
}

// EnsureCSMs creates a CSM row, with no chat ids, for each handle that has
// none yet, so every account owner can later be mapped to chat users.
// Blank handles are skipped; existing rows are left untouched.
func (s *Store) EnsureCSMs(ctx context.Context, handles []string) error {
	var uniq []string
	for _, h := range handles {
		if h = strings.TrimSpace(h); h != "" {
			uniq = append(uniq, h)
		}
	}
	if len(uniq) == 0 {
		return nil
	}
	// Sorted, so concurrent batches take the unique-index locks in the same
	// order on PostgreSQL and cannot deadlock each other.
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	rows := make([]CSM, len(uniq))
	for i, h := range uniq {
		rows[i] = CSM{Handle: h}
	}
	err := s.orm(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "handle"}}, DoNothing: true}).
		CreateInBatches(&rows, 500).Error
	if err != nil {
		return fmt.Errorf("ensure csms: %w", err)
	}
	return nil
}

// CSMByHandle finds the CSM with this handle: the exact handle, else the one
// CSM whose handle differs only in case (ErrNotFound when none or several).
func (s *Store) CSMByHandle(ctx context.Context, handle string) (CSM, error) {
	var rows []CSM
	err := s.orm(ctx).Where("LOWER(handle) = LOWER(?)", handle).Order("id").Limit(10).Find(&rows).Error
	if err != nil {
		return CSM{}, fmt.Errorf("csm %q: %w", handle, err)
	}
	for _, c := range rows {
		if c.Handle == handle {
			return c, nil
		}
	}
	if len(rows) == 1 {
		return rows[0], nil
	}
	return CSM{}, fmt.Errorf("csm %q: %w", handle, ErrNotFound)
}

// CSMHandles lists every CSM handle and every account owner, sorted, for
// suggestions when a typed handle is unknown.
func (s *Store) CSMHandles(ctx context.Context) ([]string, error) {
	var handles, owners []string
	if err := s.orm(ctx).Model(&CSM{}).Pluck("handle", &handles).Error; err != nil {
		return nil, fmt.Errorf("csm handles: %w", err)
	}
	if err := s.orm(ctx).Model(&Account{}).Where("owner <> ''").Distinct().Pluck("owner", &owners).Error; err != nil {
		return nil, fmt.Errorf("csm handles: %w", err)
	}
	all := append(handles, owners...)
	slices.Sort(all)
	return slices.Compact(all), nil
}

// OwnsAccounts says whether any account, churned or not, has this owner.
func (s *Store) OwnsAccounts(ctx context.Context, handle string) (bool, error) {
	var n int64
	if err := s.orm(ctx).Model(&Account{}).Where("owner = ?", handle).Count(&n).Error; err != nil {
		return false, fmt.Errorf("accounts owned by %q: %w", handle, err)
	}
	return n > 0, nil
}

// ChatMapping is what MapChatUser changed.
type ChatMapping struct {
	CSM       CSM      // the CSM after the change
	Created   bool     // the CSM row did not exist and was created
	Previous  string   // the CSM's user id on the platform before ("" = none)
	TakenFrom []string // handles of other CSMs that held the user id and lost it
}

// MapChatUser makes userID the CSM's identity on platform, creating the CSM
// when no handle matches, and clears that id from any other CSM so one chat
// user maps to one CSM. Call it inside Store.WithTx.
func (s *Store) MapChatUser(ctx context.Context, handle, platform, userID string) (ChatMapping, error) {
	col, ok := ChatColumn(platform)
	if !ok {
		return ChatMapping{}, fmt.Errorf("map %s user: platform has no user id column", platform)
	}
	var m ChatMapping
	csm, err := s.CSMByHandle(ctx, handle)
	switch {
	case errors.Is(err, ErrNotFound):
		csm = CSM{Handle: handle}
		if err := s.orm(ctx).Create(&csm).Error; err != nil {
			return ChatMapping{}, fmt.Errorf("map %s user: create csm %q: %w", platform, handle, err)
		}
		m.Created = true
	case err != nil:
		return ChatMapping{}, fmt.Errorf("map %s user: %w", platform, err)
	}
	m.Previous = csm.ChatID(platform)
	var others []CSM
	if err := s.orm(ctx).Where(col+" = ? AND id <> ?", userID, csm.ID).Order("handle").Find(&others).Error; err != nil {
		return ChatMapping{}, fmt.Errorf("map %s user: %w", platform, err)
	}
	for _, o := range others {
		m.TakenFrom = append(m.TakenFrom, o.Handle)
	}
	if len(others) > 0 {
		if err := s.orm(ctx).Model(&CSM{}).Where(col+" = ? AND id <> ?", userID, csm.ID).Update(col, "").Error; err != nil {
			return ChatMapping{}, fmt.Errorf("map %s user: clear others: %w", platform, err)
		}
	}
	if err := s.orm(ctx).Model(&CSM{}).Where("id = ?", csm.ID).Update(col, userID).Error; err != nil {
		return ChatMapping{}, fmt.Errorf("map %s user: %w", platform, err)
	}
	setChatID(&csm, platform, userID)
	m.CSM = csm
	return m, nil
}

// ClaimChatUser sets the CSM's user id on platform only while it has none:
// the check and the write are one UPDATE, so two people claiming the same
// handle at once cannot both win. It returns ErrChatIDTaken when another id
// is already there.
func (s *Store) ClaimChatUser(ctx context.Context, csmID uint, platform, userID string) error {
	col, ok := ChatColumn(platform)
	if !ok {
		return fmt.Errorf("claim %s user: platform has no user id column", platform)
	}
	res := s.orm(ctx).Model(&CSM{}).Where("id = ? AND ("+col+" = '' OR "+col+" IS NULL)", csmID).Update(col, userID)
	if res.Error != nil {
		return fmt.Errorf("claim %s user: %w", platform, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("claim %s user for csm %d: %w", platform, csmID, ErrChatIDTaken)
	}
	return nil
}

// CreateCSM stores a new CSM with no chat ids.
func (s *Store) CreateCSM(ctx context.Context, handle string) (CSM, error) {
	c := CSM{Handle: handle}
	if err := s.orm(ctx).Create(&c).Error; err != nil {
		return CSM{}, fmt.Errorf("create csm %q: %w", handle, err)
	}
	return c, nil
}

// SetAccountChannel stores the account's alert channel (Account.Channel).
func (s *Store) SetAccountChannel(ctx context.Context, accountID uint, channel string) error {
	return s.setAccountColumn(ctx, accountID, "channel", channel)
}

// SetAccountOwner stores the account's owner CSM handle (Account.Owner).
func (s *Store) SetAccountOwner(ctx context.Context, accountID uint, owner string) error {
	return s.setAccountColumn(ctx, accountID, "owner", owner)
}

func (s *Store) setAccountColumn(ctx context.Context, accountID uint, column, value string) error {
	res := s.orm(ctx).Model(&Account{}).Where("id = ?", accountID).Update(column, value)
	if res.Error != nil {
		return fmt.Errorf("set account %d %s: %w", accountID, column, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set account %d %s: %w", accountID, column, ErrNotFound)
	}
	return nil
}

func setChatID(c *CSM, platform, id string) {
	switch platform {
	case "slack":
		c.SlackUserID = id
	case "discord":
		c.DiscordUserID = id
	}
}
