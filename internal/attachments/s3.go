package attachments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3 ObjectStore keeps the sealed contents (HOMEWARD_S3_*, see
// config.ObjectStore and docs/operations.md).
type S3Config struct {
	// Endpoint is host:port, or a URL (http:// or https://; https is the default without a scheme).
	Endpoint string
	// Bucket is the bucket of every country, or a name holding "{country}" (e.g.
	// "homeward-{country}") for one bucket per country ("homeward-th", "homeward-kh").
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	// Prefix is put before every object name ("" or e.g. "attachments/"). Within a bucket each
	// country's objects lie under their own prefix: the key "TH/0190…" is Prefix+"TH/0190…".
	Prefix string
	// MaxRetries bounds the client's retries of one request (0: 3). A store that cannot be reached
	// fails after these, with an error naming the endpoint.
	MaxRetries int
}

// ErrUnavailable is an object store that cannot be reached or answers with a server error: the
// web layer answers 503 storage_unavailable with Retry-After.
var ErrUnavailable = errors.New("attachments: object store unavailable")

// S3 is an ObjectStore in an S3-compatible object store (AWS S3, SeaweedFS, Ceph RGW, Garage…).
// It holds exactly the sealed boxes that Dir would write to disk: the store never sees plaintext.
type S3 struct {
	cfg    S3Config
	client *minio.Client
}

// NewS3 returns the S3 object store of cfg. It does not contact the server (see Check).
func NewS3(cfg S3Config) (*S3, error) {
	host, secure, err := s3Endpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Bucket == "" {
		return nil, errors.New("attachments: S3 bucket not configured")
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	c, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("attachments: S3 client for %s: %w", cfg.Endpoint, err)
	}
	return &S3{cfg: cfg, client: c}, nil
}

// s3Endpoint splits an endpoint into host:port and whether it uses TLS.
func s3Endpoint(e string) (host string, secure bool, err error) {
	if e == "" {
		return "", false, errors.New("attachments: S3 endpoint not configured")
	}
	if !strings.Contains(e, "://") {
		return e, true, nil
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return "", false, fmt.Errorf("attachments: S3 endpoint %q: want host:port or http(s)://host:port", e)
	}
	return u.Host, u.Scheme == "https", nil
}

// locate returns the bucket and object name of a storage key.
func (s *S3) locate(key string) (bucket, object string, err error) {
	if !keyPattern.MatchString(key) {
		return "", "", fmt.Errorf("attachments: bad storage key %q", key)
	}
	country := key[:2]
	return BucketFor(s.cfg.Bucket, country), s.cfg.Prefix + key, nil
}

// BucketFor is the bucket of a country under the bucket setting: "{country}" is replaced by
// the country code in lower case (bucket names are lower case).
func BucketFor(setting, country string) string {
	return strings.ReplaceAll(setting, "{country}", strings.ToLower(country))
}

// Put uploads the sealed box under key.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	bucket, object, err := s.locate(key)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, bucket, object, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return s.wrap("put", bucket, object, err)
	}
	return nil
}

// Get downloads the sealed box under key; a missing object wraps fs.ErrNotExist.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	bucket, object, err := s.locate(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, bucket, object, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap("get", bucket, object, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, MaxSize+1<<20)) // a sealed box is the content plus a small header
	if err != nil {
		return nil, s.wrap("get", bucket, object, err)
	}
	return b, nil
}

// Delete removes the object of key; S3 answers a missing key with success.
func (s *S3) Delete(ctx context.Context, key string) error {
	bucket, object, err := s.locate(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, bucket, object, minio.RemoveObjectOptions{}); err != nil {
		return s.wrap("delete", bucket, object, err)
	}
	return nil
}

// Check reports whether the bucket of each country exists and can be reached (start-up and
// readiness): a server that does not answer, wrong credentials or a missing bucket is an error.
func (s *S3) Check(ctx context.Context, countries []string) error {
	seen := map[string]bool{}
	for _, cc := range countries {
		b := BucketFor(s.cfg.Bucket, cc)
		if seen[b] {
			continue
		}
		seen[b] = true
		ok, err := s.client.BucketExists(ctx, b)
		if err != nil {
			return s.wrap("check bucket", b, "", err)
		}
		if !ok {
			return fmt.Errorf("attachments: S3 bucket %q does not exist at %s", b, s.cfg.Endpoint)
		}
	}
	return nil
}

// wrap names the operation, the endpoint and the object; a missing object wraps fs.ErrNotExist.
func (s *S3) wrap(op, bucket, object string, err error) error {
	code := minio.ToErrorResponse(err).Code
	if code == "NoSuchKey" {
		return fmt.Errorf("attachments: S3 %s %s/%s: %w", op, bucket, object, fs.ErrNotExist)
	}
	if unreachable(err) {
		return fmt.Errorf("attachments: S3 %s %s/%s at %s: %w: %w", op, bucket, object, s.cfg.Endpoint, ErrUnavailable, err)
	}
	return fmt.Errorf("attachments: S3 %s %s/%s at %s: %w", op, bucket, object, s.cfg.Endpoint, err)
}

// unreachable reports whether err is the object store not answering: a network error, a timeout,
// or a 5xx answer (e.g. 503 SlowDown) after the client's retries.
func unreachable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	return minio.ToErrorResponse(err).StatusCode >= 500
}
