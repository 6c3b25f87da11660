package config

import (
	"errors"
	"os"
)

// ObjectStore says where attachment contents go: an S3-compatible object store when Endpoint is
// set, else the local directory (Config.AttachmentsDir), the default of `make run`. FromEnv reads:
//
//   - HOMEWARD_S3_ENDPOINT: host:port, or http(s)://host:port (https without a scheme).
//   - HOMEWARD_S3_BUCKET: the bucket; "{country}" in it is replaced by the country code in lower
//     case for one bucket per country ("homeward-{country}" → "homeward-th", "homeward-kh").
//     With one bucket, each country's objects lie under their own prefix ("TH/…", "KH/…").
//   - HOMEWARD_S3_ACCESS_KEY, HOMEWARD_S3_SECRET_KEY: the credentials.
//   - HOMEWARD_S3_REGION: the region (default "us-east-1").
//   - HOMEWARD_S3_PREFIX: optional, put before every object name (e.g. "homeward/").
//
// docs/operations.md describes them for operators.
type ObjectStore struct {
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	Prefix    string
}

func objectStoreFromEnv() ObjectStore {
	return ObjectStore{Endpoint: os.Getenv("HOMEWARD_S3_ENDPOINT"), Bucket: os.Getenv("HOMEWARD_S3_BUCKET"),
		AccessKey: os.Getenv("HOMEWARD_S3_ACCESS_KEY"), SecretKey: os.Getenv("HOMEWARD_S3_SECRET_KEY"),
		Region: env("HOMEWARD_S3_REGION", "us-east-1"), Prefix: os.Getenv("HOMEWARD_S3_PREFIX")}
}

// S3 reports whether attachments go to an S3-compatible object store.
func (o ObjectStore) S3() bool { return o.Endpoint != "" }

// Check returns the first missing setting of an S3 object store.
func (o ObjectStore) Check() error {
	if !o.S3() {
		if o.Bucket != "" || o.AccessKey != "" || o.SecretKey != "" {
			return errors.New("HOMEWARD_S3_ENDPOINT is not set, but other HOMEWARD_S3_* settings are")
		}
		return nil
	}
	switch {
	case o.Bucket == "":
		return errors.New("HOMEWARD_S3_BUCKET is not set")
	case o.AccessKey == "" || o.SecretKey == "":
		return errors.New("HOMEWARD_S3_ACCESS_KEY and HOMEWARD_S3_SECRET_KEY must both be set")
	}
	return nil
}
