package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Bouncer starts a PgBouncer in transaction pooling mode in front of the
// database of URL, for the test alone, and returns the URL to reach the
// database through it; the bouncer stops in t.Cleanup. Every transaction
// may then run on a different server connection, as behind the poolers of
// hosted PostgreSQL: a statement that relies on session state (a
// prepared statement, a session advisory lock, a session setting) fails
// or misbehaves there.
//
// When pgbouncer is not installed the test is skipped with a loud
// "PGBOUNCER NOT TESTED" message, unless CI=true, where it fails.
func Bouncer(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin, err = exec.LookPath("/usr/sbin/pgbouncer")
	}
	if err != nil {
		msg := "PGBOUNCER NOT TESTED: pgbouncer is not installed (Debian: apt-get install pgbouncer)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, msg)
		t.Skip(msg)
	}
	target, err := pgx.ParseConfig(URL())
	if err != nil {
		t.Fatalf("pgtest: bouncer: %v", err)
	}
	port := freePort(t)
	// PgBouncer refuses to run as root: it then runs as the postgres user,
	// which must reach its files, so they live outside the test's private
	// temporary directory.
	dir, err := os.MkdirTemp("", "wf-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var args []string
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			t.Fatalf("pgtest: bouncer: running as root and no postgres user to run pgbouncer as: %v", err)
		}
		args = append(args, "-u", "postgres")
	}
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	users := write("users.txt", fmt.Sprintf("%q %q\n", target.User, target.Password))
	conf := write("pgbouncer.ini", strings.Join([]string{
		"[databases]",
		fmt.Sprintf("%s = host=%s port=%d dbname=%s", target.Database, target.Host, target.Port, target.Database),
		"[pgbouncer]",
		"listen_addr = 127.0.0.1",
		"listen_port = " + strconv.Itoa(port),
		"unix_socket_dir =",
		"auth_type = trust",
		"auth_file = " + users,
		"pool_mode = transaction",
		"default_pool_size = 4",
		"max_client_conn = 200",
		// pgx sends these at connect; PgBouncer forwards only what it
		// knows how to track.
		"ignore_startup_parameters = extra_float_digits",
		"",
	}, "\n"))
	cmd := exec.Command(bin, append(args, conf)...)
	logFile, err := os.Create(filepath.Join(dir, "pgbouncer.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	log := func() string {
		b, _ := os.ReadFile(logFile.Name())
		return string(b)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("pgtest: start pgbouncer: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	url := fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", target.User, port, target.Database)
	if target.Password != "" {
		url = fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", target.User, target.Password, port, target.Database)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("pgtest: pgbouncer exited: %v\n%s", waitErr, log())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, url)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: pgbouncer did not accept connections: %v\n%s", err, log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
