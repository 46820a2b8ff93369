package voicemail

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// FS is the small filesystem the Service keeps audio in. Names are
// slash-separated paths relative to the FS's root ("101/abc.wav"). It is
// an interface so that tests can model a power cut (see
// voicemailtest.MemFS); OSFS is the real one.
//
// The durability contract is POSIX's: data written to a File is durable
// only after File.Sync, and a directory entry created, renamed or removed
// is durable only after SyncDir of its directory. Implementations must be
// safe for concurrent use on different files.
type FS interface {
	// MkdirAll creates directory dir and its parents; durable on return.
	MkdirAll(dir string) error
	// CreateTemp creates a new, empty file in dir whose name is pattern
	// with the last "*" replaced by a random string, open for reading and
	// writing.
	CreateTemp(dir, pattern string) (File, error)
	// Open opens a file for reading.
	Open(name string) (File, error)
	// Rename renames oldname to newname, replacing newname; both must be
	// in the same directory for the rename to be atomic.
	Rename(oldname, newname string) error
	// Remove removes a file. It returns an error wrapping fs.ErrNotExist
	// when there is none.
	Remove(name string) error
	// ReadDir returns the names of the entries of dir, sorted. It returns
	// an error wrapping fs.ErrNotExist when dir does not exist.
	ReadDir(dir string) ([]string, error)
	// SyncDir makes dir's entries (creations, renames, removals) durable.
	SyncDir(dir string) error
}

// File is an open file of an FS.
type File interface {
	io.Reader
	io.Writer
	io.Seeker
	// Sync makes the file's data durable.
	Sync() error
	// Close closes the file.
	Close() error
	// Name returns the name the file was opened or created with, relative
	// to the FS root.
	Name() string
}

// OSFS is the FS of a directory of the operating system's filesystem,
// Dir. Safe for concurrent use.
type OSFS struct {
	Dir string
}

var _ FS = OSFS{}

func (o OSFS) path(name string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(name))
	if !filepath.IsLocal(clean) && clean != "." {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return filepath.Join(o.Dir, clean), nil
}

// MkdirAll implements FS; it syncs each parent it created an entry in.
func (o OSFS) MkdirAll(dir string) error {
	p, err := o.path(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(p, 0o700); err != nil {
		return err
	}
	for d := p; ; {
		parent := filepath.Dir(d)
		if err := syncDir(parent); err != nil {
			return err
		}
		if len(parent) <= len(filepath.Clean(o.Dir)) || parent == d {
			return nil
		}
		d = parent
	}
}

type osFile struct {
	*os.File
	name string
}

func (f osFile) Name() string { return f.name }

// CreateTemp implements FS.
func (o OSFS) CreateTemp(dir, pattern string) (File, error) {
	p, err := o.path(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(p, pattern)
	if err != nil {
		return nil, err
	}
	return osFile{f, strings.TrimPrefix(filepath.ToSlash(dir+"/"+filepath.Base(f.Name())), "./")}, nil
}

// Open implements FS.
func (o OSFS) Open(name string) (File, error) {
	p, err := o.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return osFile{f, name}, nil
}

// Rename implements FS.
func (o OSFS) Rename(oldname, newname string) error {
	a, err := o.path(oldname)
	if err != nil {
		return err
	}
	b, err := o.path(newname)
	if err != nil {
		return err
	}
	return os.Rename(a, b)
}

// Remove implements FS.
func (o OSFS) Remove(name string) error {
	p, err := o.path(name)
	if err != nil {
		return err
	}
	return os.Remove(p)
}

// ReadDir implements FS.
func (o OSFS) ReadDir(dir string) ([]string, error) {
	p, err := o.path(dir)
	if err != nil {
		return nil, err
	}
	es, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	sort.Strings(names)
	return names, nil
}

// SyncDir implements FS.
func (o OSFS) SyncDir(dir string) error {
	p, err := o.path(dir)
	if err != nil {
		return err
	}
	return syncDir(p)
}

func syncDir(p string) error {
	d, err := os.Open(p)
	if err != nil {
		return err
	}
	err = d.Sync()
	// Some filesystems cannot sync a directory; they order metadata
	// themselves, so that is not an error worth failing a deposit for.
	if errors.Is(err, syscall.EINVAL) {
		err = nil
	}
	return errors.Join(err, d.Close())
}
