// Package s3test is the object-store harness for tests: it starts a real S3-compatible server —
// SeaweedFS's `weed server -s3`, built from its Go module by .ci/ensure-weed and cached outside
// the repository — on free loopback ports in a temporary directory, and stops it again. Nothing is
// faked: the tests talk S3 over HTTP to a real server, as a deployment does.
//
// A package whose tests use it runs them through testdb.Main (directly or through apptest.Main):
// Shared starts one server per test process and testdb.AtExit stops it. Start gives a test a
// server of its own (to stop or kill it), stopped when the test ends.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"homeward/internal/attachments"
	"homeward/internal/testbin"
	"homeward/internal/testdb"
)

// WeedVersion is the SeaweedFS module version .ci/ensure-weed builds (keep the two in step).
const WeedVersion = "v0.0.0-20261109003541-7506e5f91cd6"

// EnvWeed names an environment variable with the path of a weed binary to use instead.
const EnvWeed = "HOMEWARD_WEED"

// startTimeout bounds a server's start (master, volume, filer and S3 gateway in one process).
const startTimeout = 90 * time.Second

// Server is a running SeaweedFS with its S3 gateway on 127.0.0.1.
type Server struct {
	// Endpoint is the S3 endpoint, http://127.0.0.1:PORT.
	Endpoint  string
	AccessKey string
	SecretKey string
	dir       string
	cmd       *exec.Cmd
	done      chan struct{}
	stopOnce  sync.Once
	// Client is an S3 client of the server with the admin identity (tests create buckets and
	// read the raw objects with it).
	Client *minio.Client
}

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// Shared returns the server of this test process, started on first use and stopped by
// testdb.Main when the tests end.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	sharedOnce.Do(func() {
		shared, sharedErr = start()
		if sharedErr == nil {
			testdb.AtExit(func() error { return shared.Stop() })
		}
	})
	if sharedErr != nil {
		tb.Fatalf("s3test: %v", sharedErr)
	}
	return shared
}

// Start returns a server of the test's own, stopped (if it still runs) when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := start()
	if err != nil {
		tb.Fatalf("s3test: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("s3test: %v", err)
		}
	})
	return s
}

// NewBucket creates a bucket with a fresh name on the server and returns its name.
func (s *Server) NewBucket(tb testing.TB) string {
	tb.Helper()
	name := "t-" + randomHex(6)
	s.MakeBucket(tb, name)
	return name
}

// MakeBucket creates the bucket name.
func (s *Server) MakeBucket(tb testing.TB, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		tb.Fatalf("s3test: make bucket %s: %v", name, err)
	}
}

// Config returns the attachments configuration of bucket (a name or a "{country}" pattern).
func (s *Server) Config(bucket string) attachments.S3Config {
	return attachments.S3Config{Endpoint: s.Endpoint, Bucket: bucket, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		Region: "us-east-1", MaxRetries: 1}
}

// Object returns the raw bytes of an object, as the object store holds them.
func (s *Server) Object(tb testing.TB, bucket, name string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obj, err := s.Client.GetObject(ctx, bucket, name, minio.GetObjectOptions{})
	if err != nil {
		tb.Fatalf("s3test: get %s/%s: %v", bucket, name, err)
	}
	defer obj.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(obj); err != nil {
		tb.Fatalf("s3test: read %s/%s: %v", bucket, name, err)
	}
	return buf.Bytes()
}

// Kill ends the server at once (SIGKILL), as a crash would; Stop afterwards only cleans up.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Stop ends the server (SIGTERM, then SIGKILL after 10 s) and removes its directory.
func (s *Server) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		err = os.RemoveAll(s.dir)
	})
	return err
}

// start runs weed server with a master, a volume server, a filer and the S3 gateway, each on its
// own free loopback port, and waits until S3 answers.
func start() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "homeward-s3test-")
	if err != nil {
		return nil, err
	}
	s := &Server{AccessKey: "homeward-test", SecretKey: randomHex(20), dir: dir, done: make(chan struct{})}
	if err := s.writeIdentities(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ports, err := freePorts(8)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	args := []string{"server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir=" + data,
		"-master.port=" + p(0), "-master.port.grpc=" + p(1), "-master.telemetry=false", "-master.volumeSizeLimitMB=128",
		"-volume.port=" + p(2), "-volume.port.grpc=" + p(3), "-volume.max=400",
		"-filer", "-filer.port=" + p(4), "-filer.port.grpc=" + p(5), "-filer.localSocket=" + filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port=" + p(6), "-s3.port.grpc=" + p(7), "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.localSocket=" + filepath.Join(dir, "s3.sock"), "-s3.config=" + filepath.Join(dir, "s3.json")}
	logf, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// The server dies with the test process, even when that one is killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); logf.Close(); close(s.done) }()
	s.Endpoint = "http://127.0.0.1:" + p(6)
	s.Client, err = minio.New("127.0.0.1:"+p(6), &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath, MaxRetries: 1})
	if err == nil {
		err = s.wait()
	}
	if err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// wait polls the S3 gateway until it lists buckets, or the process ends, or startTimeout passes.
func (s *Server) wait() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("weed server exited while starting:\n%s", s.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, last = s.Client.ListBuckets(ctx)
		cancel()
		if last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("weed S3 gateway not answering after %s (%v):\n%s", startTimeout, last, s.logTail())
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "weed.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// writeIdentities writes the S3 identities file: one admin identity with the server's keys and no
// anonymous access.
func (s *Server) writeIdentities() error {
	type cred struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string   `json:"name"`
		Credentials []cred   `json:"credentials"`
		Actions     []string `json:"actions"`
	}
	doc := struct {
		Identities []identity `json:"identities"`
	}{[]identity{{Name: "homeward", Credentials: []cred{{s.AccessKey, s.SecretKey}},
		Actions: []string{"Admin", "Read", "List", "Tagging", "Write"}}}}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "s3.json"), b, 0o600)
}

// Binary returns the path of the weed binary: $HOMEWARD_WEED, else the one .ci/ensure-weed built
// (building it now, once, when missing: several minutes on a fresh machine).
func Binary() (string, error) { return testbin.Path(EnvWeed, "ensure-weed") }

// freePorts returns n distinct free TCP ports on 127.0.0.1 below 55000 (weed derives nothing
// from them: every gRPC port is given explicitly).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for len(out) < n && len(ls) < 10*n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		if p := l.Addr().(*net.TCPAddr).Port; p < 55000 {
			out = append(out, p)
		}
	}
	if len(out) < n {
		return nil, errors.New("s3test: no free ports")
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
