package commands

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/healthbot/healthbot/models"
)

// syncMessages brings the messages of tasks up to date: every message
// already queued or sent for a task is given the task as it is now (once
// delivered, the platform's copy is edited in place), and the owner of an
// open task gets one where they have none yet: a direct message on each
// platform where their chat user is known, else a post in the account's
// channel. now holds the accounts of the tasks as their messages show
// them. A constant number of statements whatever the tasks.
func (p *Planner) syncMessages(ctx context.Context, tx *models.Store, day time.Time, ids []uint, now map[uint]accountNow) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	tasks, err := tx.TasksByID(ctx, ids)
	if err != nil {
		return fmt.Errorf("task messages: %w", err)
	}
	hist, err := tx.TaskHistories(ctx, ids)
	if err != nil {
		return fmt.Errorf("task messages: %w", err)
	}
	sent, err := tx.TaskMessagesOf(ctx, ids, models.KindTask)
	if err != nil {
		return fmt.Errorf("task messages: %w", err)
	}
	var owners []string
	for _, t := range tasks {
		if t.Owner != "" {
			owners = append(owners, t.Owner)
		}
	}
	csms, err := tx.CSMsByHandle(ctx, owners)
	if err != nil {
		return fmt.Errorf("task messages: %w", err)
	}
	requeue := map[uint]string{}
	var queue []models.OutboxMessage
	for _, t := range tasks {
		an, ok := now[t.AccountID]
		if !ok {
			continue
		}
		owner := csms[t.Owner]
		if owner.Handle == "" {
			owner.Handle = t.Owner
		}
		in := TaskInput{Task: t, History: hist[t.ID], Account: an.acc, Known: an.known, Score: an.score, Status: an.status, Owner: owner, Day: day}
		have := map[Target]bool{}
		for _, m := range sent[t.ID] {
			have[Target{Platform: m.Platform, Channel: m.Channel}] = true
			_, direct := models.DirectUser(m.Channel)
			in.Platform, in.Channel = m.Platform, !direct
			payload, err := encodeReply(TaskMessage(in))
			if err != nil {
				return err
			}
			if payload != m.Payload {
				requeue[m.ID] = payload
			}
		}
		if !t.Open() {
			continue
		}
		targets, channel := p.taskTargets(owner, an.acc)
		if len(targets) == 0 && len(p.Platforms) > 0 {
			p.logger().Warn("task has nowhere to go: map its owner to a chat user or set channels.default", "task", t.ID, "owner", t.Owner)
		}
		id := t.ID
		for _, tg := range targets {
			if have[tg] {
				continue
			}
			in.Platform, in.Channel = tg.Platform, channel
			payload, err := encodeReply(TaskMessage(in))
			if err != nil {
				return err
			}
			queue = append(queue, models.OutboxMessage{Platform: tg.Platform, Channel: tg.Channel, Kind: models.KindTask, Payload: payload,
				DedupeKey: fmt.Sprintf("task/%d/%s/%s", t.ID, tg.Platform, tg.Channel), TaskID: &id})
		}
	}
	if err := tx.RequeueMessages(ctx, requeue, p.now()); err != nil {
		return fmt.Errorf("task messages: %w", err)
	}
	if err := tx.EnqueueAll(ctx, queue, p.now()); err != nil {
		return fmt.Errorf("task messages: %w", err)
	}
	return nil
}

// taskTargets is where an open task's owner is told of it: a direct
// message on each platform where their chat user is known (channel
// false), else the account's channel.
func (p *Planner) taskTargets(owner models.CSM, acc models.Account) (targets []Target, channel bool) {
	if t := directTargets(p.Platforms, owner); len(t) > 0 {
		return t, false
	}
	return Targets(p.Config.Channels, p.Platforms, acc), true
}
