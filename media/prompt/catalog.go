package prompt

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/telekit/telekit/media"
)

// sounds is the default prompt set, made by internal/gen (`make prompts`).
//
//go:embed sounds
var sounds embed.FS

// DefaultSounds returns the default prompt set embedded in the package,
// laid out as a sound directory (see Catalog): en/<name>.wav and
// en/manifest.tsv.
func DefaultSounds() fs.FS {
	sub, err := fs.Sub(sounds, "sounds")
	if err != nil { // cannot happen: "sounds" is a valid path
		return sounds
	}
	return sub
}

// ErrNotFound is returned, wrapped, when no layer of a Catalog has a
// prompt.
var ErrNotFound = errors.New("prompt not found")

// ErrBadName is returned, wrapped, for a prompt name, language tag or user
// that is not a plain lower-case word: letters, digits and '-' (and '_',
// '.' and '@' in user names), which keeps them from naming a path outside
// the sound directory.
var ErrBadName = errors.New("invalid prompt, language or user name")

// Layer says where a Sound came from.
type Layer uint8

const (
	// LayerUnknown is the zero Layer.
	LayerUnknown Layer = iota
	// LayerDefault is the default set (CatalogConfig.Default).
	LayerDefault
	// LayerSystem is the system's replacements (CatalogConfig.System).
	LayerSystem
	// LayerUser is one user's replacements (CatalogConfig.Users).
	LayerUser
)

// String returns the layer's name.
func (l Layer) String() string {
	switch l {
	case LayerDefault:
		return "default"
	case LayerSystem:
		return "system"
	case LayerUser:
		return "user"
	}
	return "unknown"
}

// Sound is one prompt, decoded to 8 kHz mono linear PCM. Sounds are shared
// by every caller of the Catalog that loaded them: Samples must not be
// modified.
type Sound struct {
	// Name is the prompt's name, as "vm-enter-pin".
	Name string
	// Lang is the language tag of the sound directory it came from.
	Lang string
	// Layer is the layer it came from.
	Layer Layer
	// Samples is the audio at media.SampleRate. Read only.
	Samples []int16
}

// Duration is how long the sound plays.
func (s *Sound) Duration() time.Duration {
	return time.Duration(len(s.Samples)) * time.Second / media.SampleRate
}

// CatalogConfig configures a Catalog. The zero value serves the embedded
// default set with no replacements.
//
// Every layer is an fs.FS holding sound directories: <lang>/<name>.wav
// (any WAV that media.DecodeAudio reads; an .mp3 is taken when there is no
// .wav). Users holds one such tree per user: <user>/<lang>/<name>.wav.
type CatalogConfig struct {
	// Default is the base set, which must have every prompt the
	// application says, with a manifest.tsv per language (names and
	// texts). Nil means DefaultSounds(). It is read once per prompt and
	// cached: it must not change.
	Default fs.FS
	// System holds the replacements an administrator uploaded (a company
	// greeting in place of the default one); nil means none.
	System fs.FS
	// Users holds replacements per user, such as a recorded name; nil
	// means none.
	Users fs.FS
	// MaxBytes limits the size of one replacement file; zero means
	// media.DefaultMaxAudioBytes.
	MaxBytes int64
	// Logger receives rare events (a replacement that fails to decode and
	// is skipped); nil discards them.
	Logger *slog.Logger
}

// Catalog finds prompts by language, user and name, looking in the user's
// replacements, then the system's, then the default set, and keeps what it
// decoded in memory. A replacement is noticed when its modification time or
// size changes, so an upload needs no restart; a replacement that fails to
// decode is logged and skipped, so a bad upload cannot silence a menu.
//
// Safe for concurrent use.
type Catalog struct {
	cfg   CatalogConfig
	texts map[string]map[string]string // lang → name → text

	mu    sync.Mutex
	cache map[cacheKey]cacheEntry
}

type cacheKey struct {
	layer            Layer
	user, lang, name string
}

type cacheEntry struct {
	file    string
	modTime time.Time
	size    int64
	sound   *Sound
}

// NewCatalog returns a catalog of the layers in cfg. It reads the default
// set's manifests (lang/manifest.tsv) now, and fails when one is malformed;
// sounds are read when first asked for.
func NewCatalog(cfg CatalogConfig) (*Catalog, error) {
	if cfg.Default == nil {
		cfg.Default = DefaultSounds()
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = media.DefaultMaxAudioBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Catalog{cfg: cfg, texts: map[string]map[string]string{}, cache: map[cacheKey]cacheEntry{}}
	dirs, err := fs.ReadDir(cfg.Default, ".")
	if err != nil {
		return nil, fmt.Errorf("prompt: default set: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		f, err := cfg.Default.Open(path.Join(d.Name(), "manifest.tsv"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("prompt: default set: %w", err)
		}
		texts, err := readManifest(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("prompt: default set: %s/manifest.tsv: %w", d.Name(), err)
		}
		c.texts[d.Name()] = texts
	}
	return c, nil
}

// readManifest reads a manifest.tsv: '#' comments, then lines of name,
// milliseconds and text separated by tabs.
func readManifest(r io.Reader) (map[string]string, error) {
	texts := map[string]string{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.SplitN(s, "\t", 3)
		if len(f) != 3 || checkName(f[0], false) != nil {
			return nil, fmt.Errorf("line %d: want name, milliseconds and text separated by tabs", line)
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			return nil, fmt.Errorf("line %d: duration %q: not a number", line, f[1])
		}
		texts[f[0]] = f[2]
	}
	return texts, sc.Err()
}

// Languages returns the tags of the default set's languages, sorted.
func (c *Catalog) Languages() []string {
	var tags []string
	for tag := range c.texts {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	return tags
}

// Names returns the names of the default set's prompts in lang, sorted;
// replacements can only replace these.
func (c *Catalog) Names(lang string) []string {
	var names []string
	for name := range c.texts[lang] {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Text returns what the default prompt name says in lang, as the
// generator spoke it, and whether there is such a prompt. A portal shows
// it beside the upload of a replacement.
func (c *Catalog) Text(lang, name string) (string, bool) {
	t, ok := c.texts[lang][name]
	return t, ok
}

// Load returns the prompt name in lang, from user's replacements when user
// is not empty and has one, else the system's, else the default set. The
// error wraps ErrNotFound when no layer has it, ErrBadName for a malformed
// name, and a media error when the default set's file does not decode.
func (c *Catalog) Load(lang, user, name string) (*Sound, error) {
	if err := checkName(name, false); err != nil {
		return nil, err
	}
	if err := checkName(lang, false); err != nil {
		return nil, err
	}
	if user != "" {
		if err := checkName(user, true); err != nil {
			return nil, err
		}
	}
	if user != "" && c.cfg.Users != nil {
		if s, ok := c.loadOverlay(LayerUser, c.cfg.Users, path.Join(user, lang), user, lang, name); ok {
			return s, nil
		}
	}
	if c.cfg.System != nil {
		if s, ok := c.loadOverlay(LayerSystem, c.cfg.System, lang, "", lang, name); ok {
			return s, nil
		}
	}
	return c.loadDefault(lang, name, user)
}

// loadDefault returns a prompt of the default set, cached without looking
// at the file again.
func (c *Catalog) loadDefault(lang, name, user string) (*Sound, error) {
	key := cacheKey{layer: LayerDefault, lang: lang, name: name}
	c.mu.Lock()
	e, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		return e.sound, nil
	}
	for _, ext := range []string{".wav", ".mp3"} {
		file := path.Join(lang, name+ext)
		s, err := c.decode(c.cfg.Default, file, LayerDefault, lang, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.cache[key] = cacheEntry{file: file, sound: s}
		c.mu.Unlock()
		return s, nil
	}
	where := "the system's replacements or the default set"
	if user != "" {
		where = "user " + user + "'s replacements, " + where
	}
	return nil, fmt.Errorf("prompt: %q in language %q: %w in %s", name, lang, ErrNotFound, where)
}

// loadOverlay returns the prompt from a replacement layer, when it has one
// that decodes, re-reading it when its size or time changed.
func (c *Catalog) loadOverlay(layer Layer, fsys fs.FS, dir, user, lang, name string) (*Sound, bool) {
	key := cacheKey{layer: layer, user: user, lang: lang, name: name}
	for _, ext := range []string{".wav", ".mp3"} {
		file := path.Join(dir, name+ext)
		info, err := fs.Stat(fsys, file)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		c.mu.Lock()
		e, ok := c.cache[key]
		c.mu.Unlock()
		if ok && e.file == file && e.size == info.Size() && e.modTime.Equal(info.ModTime()) {
			return e.sound, true
		}
		s, err := c.decode(fsys, file, layer, lang, name)
		if err != nil {
			c.cfg.Logger.Warn("prompt: replacement skipped", "layer", layer.String(), "file", file, "err", err)
			continue
		}
		c.mu.Lock()
		c.cache[key] = cacheEntry{file: file, modTime: info.ModTime(), size: info.Size(), sound: s}
		c.mu.Unlock()
		return s, true
	}
	return nil, false
}

// decode reads a whole audio file as 8 kHz mono.
func (c *Catalog) decode(fsys fs.FS, file string, layer Layer, lang, name string) (*Sound, error) {
	f, err := fsys.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, info, err := media.DecodeAudio(f, media.DecodeOptions{MaxBytes: c.cfg.MaxBytes})
	if err != nil {
		return nil, fmt.Errorf("prompt: %s: %w", file, err)
	}
	n := 0
	if info.Duration > 0 {
		n = int(info.Duration * media.SampleRate / time.Second)
	}
	samples := make([]int16, 0, n+media.FrameSamples)
	for {
		if len(samples) == cap(samples) {
			samples = append(samples, 0)[:len(samples)]
		}
		m, err := r.ReadSamples(samples[len(samples):cap(samples)])
		samples = samples[:len(samples)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("prompt: %s: %w", file, err)
		}
	}
	return &Sound{Name: name, Lang: lang, Layer: layer, Samples: samples[:len(samples):len(samples)]}, nil
}

// checkName accepts lower-case words of letters, digits and '-'; with
// user, also upper case, '_', '.' and '@' (but not "." or "..").
func checkName(s string, user bool) error {
	ok := s != "" && len(s) <= 128 && s != "." && s != ".."
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case user && (c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '@'):
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("prompt: %q: %w", s, ErrBadName)
	}
	return nil
}
