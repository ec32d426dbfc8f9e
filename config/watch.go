package config

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch reloads the store when a file the snapshot in force was read from (esguard.yml,
// roles and users files) is written, created, renamed or removed, once no further
// change has arrived for debounce. It watches the files' directories, so editors that
// replace a file and Kubernetes' ..data symlink swaps are seen too. The watched set
// follows each successful reload. Watch returns when ctx ends, or at once when the
// watcher cannot start; a directory that cannot be watched is an error too.
func (st *Store) Watch(ctx context.Context, debounce time.Duration) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("config: watch: %w", err)
	}
	defer w.Close()
	var files map[string]bool
	dirs := map[string]bool{}
	track := func() error {
		files = map[string]bool{}
		want := map[string]bool{}
		for _, f := range st.Load().Files {
			files[filepath.Clean(f)] = true
			want[filepath.Dir(f)] = true
		}
		for d := range dirs {
			if !want[d] {
				_ = w.Remove(d)
				delete(dirs, d)
			}
		}
		for d := range want {
			if !dirs[d] {
				if err := w.Add(d); err != nil {
					return fmt.Errorf("config: watch %s: %w", d, err)
				}
				dirs[d] = true
			}
		}
		return nil
	}
	if err := track(); err != nil {
		return err
	}
	timer := time.NewTimer(debounce)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			name := filepath.Clean(ev.Name)
			if files[name] || strings.HasPrefix(filepath.Base(name), "..") {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow loses events: reload to be safe.
			_ = err
			timer.Reset(debounce)
		case <-timer.C:
			if ps := st.Reload(); !ps.HasErrors() {
				if err := track(); err != nil {
					return err
				}
			}
		}
	}
}
