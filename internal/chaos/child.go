package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// child is one OS process of the suite (a worker, the starter or the
// signaller), restartable after a kill.
type child struct {
	name    string
	program string
	args    []string
	env     []string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process has exited
	// killed is set while the suite itself ends the process, so that its
	// exit is not taken for a crash.
	killed bool
}

func newChild(cfg Config, name string, args []string) *child {
	return &child{name: name, program: cfg.Program, args: args, env: append(os.Environ(), "DATABASE_URL="+cfg.DatabaseURL),
		logPath: filepath.Join(cfg.LogDir, name+".log")}
}

// start launches the process; its output is appended to the child's log.
func (c *child) start() error {
	logFile, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.program, c.args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = logFile, logFile, c.env
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", c.name, err)
	}
	fmt.Fprintf(logFile, "--- chaos: started %s as pid %d\n", c.name, cmd.Process.Pid)
	c.cmd, c.done, c.killed = cmd, make(chan struct{}), false
	done := c.done
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(done)
	}()
	return nil
}

// exited reports whether the current process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill ends the process with SIGKILL and waits for it.
func (c *child) kill() {
	c.killed = true
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// stop asks the process to finish (SIGTERM) and kills it after grace.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	c.killed = true
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		c.kill()
	}
}
