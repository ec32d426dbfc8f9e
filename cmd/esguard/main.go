// Command esguard is a reverse proxy that enforces Elasticsearch security privileges in
// front of a cluster. Run `esguard help` for the subcommands.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/proxy"
	"github.com/esguard/esguard/routes"
	"github.com/rs/zerolog"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `esguard enforces Elasticsearch security privileges in front of a cluster.

Usage:
  esguard serve --config FILE
  esguard validate --config FILE [--flavor F] [--migrate-to F]
  esguard privileges [--flavor F] [--json] [NAME]
  esguard explain --config FILE --user NAME [--run-as NAME [--run-as-reason TEXT]] METHOD PATH [--body FILE]
  esguard routes [--flavor F] [METHOD PATH]
  esguard hash-password [--cost N] < password
  esguard health [--url URL] [--timeout D]
  esguard version
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "explain":
		return cmdExplain(ctx, rest, stdout, stderr)
	case "routes":
		return cmdRoutes(rest, stdout, stderr)
	case "privileges":
		return cmdPrivileges(rest, stdout, stderr)
	case "hash-password":
		return cmdHashPassword(rest, stdin, stdout, stderr)
	case "health":
		return cmdHealth(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "esguard", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "esguard: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// parseInterleaved parses flags that may come before and after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("esguard "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	path := fs.String("config", "", "configuration file")
	flavour := fs.String("flavor", "", "check the roles against this flavour instead of the configured one: "+strings.Join(privileges.Flavours, ", "))
	migrateTo := fs.String("migrate-to", "", "print the roles rewritten for this flavour")
	if _, err := parseInterleaved(fs, args); err != nil {
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "esguard validate: --config is required")
		return 2
	}
	if *flavour != "" && !knownFlavour(*flavour, stderr, "validate") || *migrateTo != "" && !knownFlavour(*migrateTo, stderr, "validate") {
		return 2
	}
	snap, problems := config.LoadWith(*path, config.Options{Flavor: *flavour})
	out := stdout
	if *migrateTo != "" {
		out = stderr // stdout carries the migrated roles file
	}
	for _, p := range problems {
		fmt.Fprintln(out, p.String())
	}
	if problems.HasErrors() {
		return 1
	}
	if *migrateTo != "" {
		return migrateRoles(snap, *migrateTo, stdout, stderr)
	}
	return 0
}

// loadOrReport loads a configuration, printing its problems; nil means it had errors.
func loadOrReport(path string, stderr io.Writer) *config.Snapshot {
	snap, problems := config.Load(path)
	if snap == nil {
		for _, p := range problems {
			fmt.Fprintln(stderr, p.String())
		}
	}
	return snap
}

func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("explain", stderr)
	path := fs.String("config", "", "configuration file")
	user := fs.String("user", "", "user making the request")
	runAs := fs.String("run-as", "", "user to run as (es-security-runas-user)")
	reason := fs.String("run-as-reason", "", "reason for running as another user (run_as.reason_header)")
	body := fs.String("body", "", "file holding the request body")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if *path == "" || *user == "" || len(pos) != 2 {
		fmt.Fprintln(stderr, "usage: esguard explain --config FILE --user NAME [--run-as NAME [--run-as-reason TEXT]] METHOD PATH [--body FILE]")
		return 2
	}
	var content []byte
	if *body != "" {
		if content, err = os.ReadFile(*body); err != nil {
			fmt.Fprintf(stderr, "esguard explain: %v\n", err)
			return 2
		}
	}
	snap := loadOrReport(*path, stderr)
	if snap == nil {
		return 1
	}
	ex := proxy.Explain(ctx, snap, proxy.ExplainRequest{User: *user, RunAs: *runAs, RunAsReason: *reason, Method: strings.ToUpper(pos[0]), URI: pos[1], Body: content})
	return printJSON(stdout, stderr, ex)
}

type routeAnswer struct {
	Action      string            `json:"action"`
	Indices     []string          `json:"indices"`
	IndexSource string            `json:"index_source"`
	Route       string            `json:"route"`
	Params      map[string]string `json:"params,omitempty"`
}

func cmdRoutes(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("routes", stderr)
	flavour := fs.String("flavor", "9", "the flavour whose route table to use: "+strings.Join(privileges.Flavours, ", "))
	args, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if !knownFlavour(*flavour, stderr, "routes") {
		return 2
	}
	t, err := routes.ForFlavour(*flavour)
	if err != nil {
		fmt.Fprintf(stderr, "esguard routes: %v\n", err)
		return 2
	}
	switch len(args) {
	case 0:
		w := bufio.NewWriter(stdout)
		for _, r := range t.Routes() {
			action := r.Action
			if action == "" {
				action = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Method, r.Path, action, r.IndexSourceText())
		}
		if err := w.Flush(); err != nil {
			fmt.Fprintf(stderr, "esguard routes: %v\n", err)
			return 1
		}
		return 0
	case 2:
	default:
		fmt.Fprintln(stderr, "usage: esguard routes [--flavor F] [METHOD PATH]")
		return 2
	}
	method := strings.ToUpper(args[0])
	path, _, _ := strings.Cut(args[1], "?")
	m, err := t.Match(method, path)
	if err != nil {
		printJSON(stdout, stderr, map[string]string{"error": routeErrorText(method, path, err)})
		return 1
	}
	ans := routeAnswer{Action: m.Route.Action, Indices: m.Indices(), IndexSource: m.Route.IndexSourceText(), Route: m.Route.Method + " " + m.Route.Path}
	if ans.Indices == nil {
		ans.Indices = []string{}
	}
	if ps := m.Params(); len(ps) > 0 {
		ans.Params = map[string]string{}
		for _, p := range ps {
			ans.Params[p.Name] = p.Value
		}
	}
	return printJSON(stdout, stderr, ans)
}

func routeErrorText(method, path string, err error) string {
	var mna *routes.MethodNotAllowedError
	var bad *routes.BadPathError
	switch {
	case errors.As(err, &mna):
		return fmt.Sprintf("Incorrect HTTP method for uri [%s] and method [%s], allowed: %v", path, method, mna.Allowed)
	case errors.As(err, &bad):
		return bad.Reason
	}
	return fmt.Sprintf("no handler found for uri [%s] and method [%s]", path, method)
}

func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "esguard: %v\n", err)
		return 1
	}
	return 0
}

func cmdHashPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("hash-password", stderr)
	cost := fs.Int("cost", 10, "bcrypt cost (4 to 31)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	data, err := io.ReadAll(io.LimitReader(stdin, 1<<10))
	if err != nil {
		fmt.Fprintf(stderr, "esguard hash-password: %v\n", err)
		return 1
	}
	pw := bytes.TrimRight(data, "\r\n")
	if len(pw) == 0 {
		fmt.Fprintln(stderr, "esguard hash-password: empty password on stdin")
		return 1
	}
	hash, err := auth.HashPassword(pw, *cost)
	if err != nil {
		fmt.Fprintf(stderr, "esguard hash-password: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, hash)
	return 0
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) int {
	fs := newFlags("serve", stderr)
	path := fs.String("config", "", "configuration file")
	level := fs.String("log-level", "", "log level: debug, info, warn, error (overrides log.level)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "esguard serve: --config is required")
		return 2
	}
	// flavor: auto asks the cluster; at start esguard waits up to a minute for it.
	detectLog := zerolog.New(stderr).With().Timestamp().Str("component", "config").Logger()
	opts := config.Options{
		Detect:     proxy.DetectFlavour,
		DetectWait: time.Minute,
		DetectFailed: func(err error) {
			detectLog.Warn().Err(err).Msg("flavor auto: the cluster did not tell its version")
		},
	}
	snap, problems := config.LoadWith(*path, opts)
	root, err := serveLogger(stderr, *level, snap)
	if err != nil {
		fmt.Fprintf(stderr, "esguard serve: %v\n", err)
		return 2
	}
	cfgLog := root.With().Str("component", "config").Logger()
	logProblems(cfgLog, problems)
	if snap == nil {
		return 1
	}
	store := config.NewStore(snap)
	// Whether the client listener speaks TLS is decided at start.
	servesTLS := snap.TLSCertificate != nil
	audit, err := proxy.OpenAudit(snap.Config.Audit.File)
	if err != nil {
		cfgLog.Error().Err(err).Str("file", snap.Config.Audit.File).Msg("cannot open audit file")
		return 1
	}
	defer audit.Close()
	audit.Configure(snap.Config.Audit)
	metrics := proxy.NewMetrics(store)
	metrics.ObserveAudit(audit)
	store.OnReload(func(st config.ReloadStatus) {
		logProblems(cfgLog, st.Problems)
		if !st.OK {
			cfgLog.Error().Uint64("failed", st.Failed).Msg("reload failed: keeping the previous configuration")
			return
		}
		cur := store.Load()
		audit.Configure(cur.Config.Audit)
		cfgLog.Info().Strs("files", cur.Files).Str("flavor", cur.Flavor).Str("flavor_source", cur.FlavorSource).Msg("configuration reloaded")
		if (store.Load().TLSCertificate != nil) != servesTLS {
			cfgLog.Warn().Bool("tls", servesTLS).Msg("the tls section was added or removed: the client listener keeps its mode until esguard restarts")
		}
	})
	log := root.With().Str("component", "proxy").Logger()
	srv, err := proxy.New(store, proxy.Options{Audit: audit, Log: log, Metrics: metrics})
	if err != nil {
		log.Error().Err(err).Msg("cannot start")
		return 1
	}
	ln, err := net.Listen("tcp", snap.Config.Listen)
	if err != nil {
		log.Error().Err(err).Msg("cannot listen")
		return 1
	}
	if servesTLS {
		// The certificate follows every reload. The admin listener stays plain.
		ln = tls.NewListener(ln, proxy.TLSConfig(store))
	}
	var admin *proxy.Admin
	if addr := snap.Config.AdminListen; addr != "" {
		aln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Error().Err(err).Msg("cannot listen on admin_listen")
			ln.Close()
			return 1
		}
		admin = proxy.NewAdmin(store)
		admin.SetMetrics(metrics)
		admin.SetServer(srv)
		adminLog := root.With().Str("component", "admin").Logger()
		adminLog.Info().Str("admin_listen", aln.Addr().String()).Msg("admin listener started")
		go func() {
			if err := admin.Serve(aln); err != nil {
				adminLog.Error().Err(err).Msg("admin listener stopped")
			}
		}()
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if r := snap.Config.Reload; r.Watching() {
		go func() {
			if err := store.Watch(watchCtx, r.DebounceOr()); err != nil {
				cfgLog.Error().Err(err).Msg("cannot watch the configuration files; reload with SIGHUP")
			}
		}()
	}
	// Signals are caught before the start is announced, so none can kill a started server.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	log.Info().Str("listen", ln.Addr().String()).Bool("tls", servesTLS).Str("flavor", snap.Flavor).Str("flavor_source", snap.FlavorSource).Strs("upstream", snap.Config.Upstream.Nodes).Msg("esguard started")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	auditLog := root.With().Str("component", "audit").Logger()
	for {
		select {
		case err := <-errc:
			if err != nil {
				log.Error().Err(err).Msg("server stopped")
				return 1
			}
			return 0
		case <-ctx.Done():
			return shutdown(srv, admin, log, store.Load().Config.ShutdownTimeout.Or(30*time.Second))
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP, syscall.SIGUSR1:
				if err := audit.Reopen(); err != nil {
					auditLog.Error().Err(err).Msg("cannot reopen the audit file")
				}
				if sig == syscall.SIGHUP {
					store.Reload() // logged by the OnReload hook
				}
			default:
				log.Info().Str("signal", sig.String()).Msg("shutting down")
				return shutdown(srv, admin, log, store.Load().Config.ShutdownTimeout.Or(30*time.Second))
			}
		}
	}
}

// serveLogger is the application logger at the level of --log-level, else log.level.
func serveLogger(stderr io.Writer, flagLevel string, snap *config.Snapshot) (zerolog.Logger, error) {
	log := zerolog.New(stderr).With().Timestamp().Logger()
	name := flagLevel
	if name == "" && snap != nil {
		name = snap.Config.Log.Level
	}
	if name == "" {
		return log, nil
	}
	lvl, err := zerolog.ParseLevel(name)
	if err != nil {
		return log, err
	}
	return log.Level(lvl), nil
}

// logProblems logs configuration problems, errors as errors and the rest as warnings.
func logProblems(log zerolog.Logger, problems config.Problems) {
	for _, p := range problems {
		if p.Severity == config.Error {
			log.Error().Str("problem", p.String()).Msg("configuration error")
		} else {
			log.Warn().Str("problem", p.String()).Msg("configuration warning")
		}
	}
}

func shutdown(srv *proxy.Server, admin *proxy.Admin, log zerolog.Logger, grace time.Duration) int {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if admin != nil {
		_ = admin.Shutdown(ctx)
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Error().Err(err).Msg("shutdown did not finish in time")
		return 1
	}
	return 0
}

// knownFlavour reports whether name is one of privileges.Flavours, telling stderr when not.
func knownFlavour(name string, stderr io.Writer, cmd string) bool {
	if slices.Contains(privileges.Flavours, name) {
		return true
	}
	fmt.Fprintf(stderr, "esguard %s: unknown flavor [%s] (known: %s)\n", cmd, name, strings.Join(privileges.Flavours, ", "))
	return false
}
