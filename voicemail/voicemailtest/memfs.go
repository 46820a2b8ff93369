package voicemailtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/telekit/telekit/voicemail"
)

// ErrCrashed is what every MemFS operation returns once the crash point
// set by CrashAfter has been reached: the process is, in effect, dead.
var ErrCrashed = errors.New("voicemailtest: simulated power cut")

// MemFS is an in-memory voicemail.FS that models what a power cut keeps:
// a file's data survives only up to its last Sync, and a directory entry
// (created, renamed, removed) only once its directory was synced. Crash
// returns the filesystem as it would be after a power cut; CrashAfter
// makes every operation fail with ErrCrashed after a number of them, to
// cut a run at an exact point. Directories are made durable at once by
// MkdirAll. Safe for concurrent use.
type MemFS struct {
	mu      sync.Mutex
	dirs    map[string]bool
	live    map[string]*node // path → file, as the running process sees it
	durable map[string]*node // path → file, as the disk has it
	ops     int              // mutating operations left before the crash; <0: no crash set
}

type node struct {
	data   []byte // what the process sees
	synced []byte // what the disk has
}

var _ voicemail.FS = (*MemFS)(nil)

// NewMemFS returns an empty MemFS.
func NewMemFS() *MemFS {
	return &MemFS{dirs: map[string]bool{".": true}, live: map[string]*node{}, durable: map[string]*node{}, ops: -1}
}

// CrashAfter makes the next n mutating operations (writes, syncs,
// creates, renames, removes) succeed and every one after them fail with
// ErrCrashed. Negative n removes the crash point.
func (m *MemFS) CrashAfter(n int) {
	m.mu.Lock()
	m.ops = n
	m.mu.Unlock()
}

// Ops returns how many mutating operations are left before the crash
// point (negative when none is set).
func (m *MemFS) Ops() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ops
}

// step counts one mutating operation; the caller holds mu.
func (m *MemFS) step() error {
	if m.ops == 0 {
		return ErrCrashed
	}
	if m.ops > 0 {
		m.ops--
	}
	return nil
}

// Crash returns a new MemFS holding only what was durable: synced data of
// files whose directory entries were synced. m itself is unchanged.
func (m *MemFS) Crash() *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := NewMemFS()
	for d := range m.dirs {
		out.dirs[d] = true
	}
	for p, n := range m.durable {
		nn := &node{data: append([]byte(nil), n.synced...), synced: append([]byte(nil), n.synced...)}
		out.live[p], out.durable[p] = nn, nn
	}
	return out
}

// Files returns the names of the files the process sees, sorted.
func (m *MemFS) Files() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for p := range m.live {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func clean(name string) string { return path.Clean(strings.TrimPrefix(name, "/")) }

// MkdirAll implements voicemail.FS.
func (m *MemFS) MkdirAll(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	for d := clean(dir); d != "." && d != "/"; d = path.Dir(d) {
		m.dirs[d] = true
	}
	return nil
}

// CreateTemp implements voicemail.FS.
func (m *MemFS) CreateTemp(dir, pattern string) (voicemail.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return nil, err
	}
	dir = clean(dir)
	if !m.dirs[dir] {
		return nil, &fs.PathError{Op: "createtemp", Path: dir, Err: fs.ErrNotExist}
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	pre, suf, _ := strings.Cut(pattern, "*")
	p := path.Join(dir, pre+hex.EncodeToString(b[:])+suf)
	n := &node{}
	m.live[p] = n
	return &memFile{fs: m, n: n, name: p, write: true}, nil
}

// Open implements voicemail.FS.
func (m *MemFS) Open(name string) (voicemail.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops == 0 {
		return nil, ErrCrashed
	}
	p := clean(name)
	n, ok := m.live[p]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{fs: m, n: n, name: p}, nil
}

// Rename implements voicemail.FS.
func (m *MemFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	a, b := clean(oldname), clean(newname)
	n, ok := m.live[a]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldname, Err: fs.ErrNotExist}
	}
	if path.Dir(a) != path.Dir(b) {
		return &fs.PathError{Op: "rename", Path: newname, Err: errors.New("MemFS renames within a directory only")}
	}
	delete(m.live, a)
	m.live[b] = n
	return nil
}

// Remove implements voicemail.FS.
func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	p := clean(name)
	if _, ok := m.live[p]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.live, p)
	return nil
}

// ReadDir implements voicemail.FS.
func (m *MemFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops == 0 {
		return nil, ErrCrashed
	}
	dir = clean(dir)
	if !m.dirs[dir] {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	seen := map[string]bool{}
	for p := range m.live {
		if path.Dir(p) == dir {
			seen[path.Base(p)] = true
		}
	}
	for d := range m.dirs {
		if d != dir && path.Dir(d) == dir {
			seen[path.Base(d)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// SyncDir implements voicemail.FS: the directory's entries become durable
// as the process sees them now.
func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(); err != nil {
		return err
	}
	dir = clean(dir)
	for p := range m.durable {
		if path.Dir(p) == dir {
			delete(m.durable, p)
		}
	}
	for p, n := range m.live {
		if path.Dir(p) == dir {
			m.durable[p] = n
		}
	}
	return nil
}

type memFile struct {
	fs     *MemFS
	n      *node
	name   string
	off    int64
	write  bool
	closed bool
}

func (f *memFile) Name() string { return f.name }

func (f *memFile) Read(b []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	if f.off >= int64(len(f.n.data)) {
		return 0, io.EOF
	}
	n := copy(b, f.n.data[f.off:])
	f.off += int64(n)
	return n, nil
}

func (f *memFile) Write(b []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed || !f.write {
		return 0, fs.ErrClosed
	}
	if err := f.fs.step(); err != nil {
		return 0, err
	}
	end := f.off + int64(len(b))
	if end > int64(len(f.n.data)) {
		f.n.data = append(f.n.data, make([]byte, end-int64(len(f.n.data)))...)
	}
	copy(f.n.data[f.off:], b)
	f.off = end
	return len(b), nil
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	switch whence {
	case io.SeekCurrent:
		off += f.off
	case io.SeekEnd:
		off += int64(len(f.n.data))
	}
	if off < 0 {
		return 0, errors.New("memfs: negative seek")
	}
	f.off = off
	return off, nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.fs.step(); err != nil {
		return err
	}
	f.n.synced = append(f.n.synced[:0], f.n.data...)
	return nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.closed = true
	return nil
}
