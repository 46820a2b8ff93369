package voicemail

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// RecoverReport says what Recover did.
type RecoverReport struct {
	// Indexed are messages found on disk without an index row (a crash
	// between the rename and the index), now indexed again.
	Indexed []string
	// Dropped are index rows whose file is gone (a crash during a
	// delete), now removed.
	Dropped []string
	// TempRemoved are recordings that were in progress at the crash.
	TempRemoved []string
	// Unreadable are message files whose metadata cannot be read; they
	// are left in place for a person to look at.
	Unreadable []string
}

// Recover makes the index and the files agree after a crash, and should
// run once at start-up before calls are taken: it deletes temporary files
// of recordings that never finished, indexes message files that have no
// index row (rebuilding the row from the metadata in the file; the
// message comes back as new), and drops index rows whose file is gone.
// Everything it changes is logged. It then reports the counts of changed
// mailboxes to the Notifier.
func (s *Service) Recover(ctx context.Context) (RecoverReport, error) {
	var rep RecoverReport
	ids, err := s.store.MailboxIDs(ctx)
	if err != nil {
		return rep, err
	}
	for _, id := range ids {
		changed, err := s.recoverMailbox(ctx, id, &rep)
		if err != nil {
			return rep, fmt.Errorf("voicemail: recover mailbox %s: %w", id, err)
		}
		if changed {
			s.countsChanged(ctx, id)
		}
	}
	return rep, nil
}

func (s *Service) recoverMailbox(ctx context.Context, id string, rep *RecoverReport) (bool, error) {
	names, err := s.fs.ReadDir(id)
	if errors.Is(err, fs.ErrNotExist) {
		names, err = nil, nil
	}
	if err != nil {
		return false, err
	}
	changed := false
	onDisk := map[string]bool{}
	removedTmp := false
	for _, n := range names {
		p := path.Join(id, n)
		switch {
		case strings.HasPrefix(n, tmpPrefix):
			if err := s.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return changed, err
			}
			removedTmp = true
			rep.TempRemoved = append(rep.TempRemoved, p)
			s.log.Info("voicemail: recover: removed unfinished recording", "file", p)
		case strings.HasPrefix(n, greetingPrefix) || !strings.HasSuffix(n, wavExt):
		default:
			onDisk[p] = true
			mid := strings.TrimSuffix(n, wavExt)
			if _, err := s.store.GetMessage(ctx, id, mid); err == nil {
				continue
			} else if !errors.Is(err, ErrNoMessage) {
				return changed, err
			}
			meta, err := s.readMetaFile(p)
			if err != nil || meta.ID != mid || meta.Mailbox != id {
				rep.Unreadable = append(rep.Unreadable, p)
				s.log.Error("voicemail: recover: message file without usable metadata; left in place", "file", p, "err", err)
				continue
			}
			if err := s.store.AddMessage(ctx, meta.message(p)); err != nil && !errors.Is(err, ErrExists) {
				return changed, err
			}
			changed = true
			rep.Indexed = append(rep.Indexed, p)
			s.log.Warn("voicemail: recover: indexed a message the index had lost", "file", p)
		}
	}
	if removedTmp {
		if err := s.fs.SyncDir(id); err != nil {
			return changed, err
		}
	}
	p, err := s.store.ListMessages(ctx, id, Query{})
	if err != nil {
		return changed, err
	}
	var gone []string
	for _, m := range p.Messages {
		if !onDisk[m.Audio] {
			gone = append(gone, m.ID)
			rep.Dropped = append(rep.Dropped, m.Audio)
			s.log.Warn("voicemail: recover: dropped an index row whose file is gone", "mailbox", id, "message", m.ID, "file", m.Audio)
		}
	}
	if len(gone) > 0 {
		if _, err := s.store.DeleteMessages(ctx, id, gone); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

func (s *Service) readMetaFile(p string) (fileMeta, error) {
	f, err := s.fs.Open(p)
	if err != nil {
		return fileMeta{}, err
	}
	defer f.Close()
	return readMeta(f)
}
