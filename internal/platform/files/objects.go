package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Objects is an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, …)
// that keeps the bytes of new files instead of the database, through
// MinIO's client. Each file is an object named prefix + its SHA-256; the
// database keeps its row (size, type, where it is), so listings, counts
// and backups' checks do not ask the bucket.
type Objects struct {
	c              *minio.Client
	bucket, prefix string
	where          string // for messages: host/bucket/prefix
}

// OpenObjects connects to the bucket a URL names:
//
//	s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?region=R&insecure=1]
//
// Without credentials in the URL, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY are used. insecure=1 speaks plain HTTP (a bucket
// on the same private network); the bucket must exist.
func OpenObjects(ctx context.Context, raw string) (*Objects, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, errors.New("files: an S3 location is s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix]")
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return nil, errors.New("files: the S3 location names no bucket: s3://host/bucket")
	}
	if prefix != "" {
		prefix = strings.TrimSuffix(prefix, "/") + "/"
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if u.User != nil {
		key = u.User.Username()
		secret, _ = u.User.Password()
	}
	q := u.Query()
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(key, secret, ""), Secure: q.Get("insecure") != "1",
		Region: q.Get("region"), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("files: S3: %w", err)
	}
	o := &Objects{c: c, bucket: bucket, prefix: prefix, where: u.Host + "/" + bucket + "/" + prefix}
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("files: S3 bucket %s: %w", o.where, err)
	}
	if !ok {
		return nil, fmt.Errorf("files: there is no S3 bucket %s: create it first", o.where)
	}
	return o, nil
}

func (o *Objects) key(sum string) string { return o.prefix + sum }

// put uploads size bytes of r as the object of sum (the same content
// uploaded twice is the same object).
func (o *Objects) put(ctx context.Context, sum, contentType string, size int64, r io.Reader) error {
	if _, err := o.c.PutObject(ctx, o.bucket, o.key(sum), r, size, minio.PutObjectOptions{ContentType: contentType,
		UserMetadata: map[string]string{"sha256": sum}}); err != nil {
		return fmt.Errorf("files: upload %s to %s: %w", sum, o.where, err)
	}
	return nil
}

// open streams the object of sum.
func (o *Objects) open(ctx context.Context, sum string) (io.ReadCloser, error) {
	obj, err := o.c.GetObject(ctx, o.bucket, o.key(sum), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("files: %s from %s: %w", sum, o.where, err)
	}
	// The request is made at the first read: make it now, so a missing
	// object is an error here and not half a download.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, fmt.Errorf("files: %s from %s: %w", sum, o.where, err)
	}
	return obj, nil
}
