package web

import (
	"bufio"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// gzipMinLength is the smallest body worth compressing: below it the gzip header and the CPU cost
// more than they save.
const gzipMinLength = 1024

// compressible are the media types compressed on the wire: pages, JSON, CSS, JS, SVG and CSV.
// Everything else (PNG, PDF, XLSX, ZIP: already compressed) is sent as it is.
var compressible = map[string]bool{
	"text/html": true, "application/json": true, "application/problem+json": true,
	"text/css": true, "text/javascript": true, "application/javascript": true,
	"image/svg+xml": true, "text/csv": true,
}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}

// gzipFastPool compresses the API's JSON at the fastest level: it is made per request (a case list
// page is about 15 KB), and the default level cost a case-list request a fifth of its CPU in the
// 32-client benchmark; the fastest level keeps most of the saving on the wire at a third of the cost.
// Both pools use klauspost/compress's gzip (same format, same API as compress/gzip): its fastest
// level took gzip's share of a case-list request's server CPU from 16 % to 8 % (CPU profiles of
// BenchmarkCaseList1M32 on a 2,000-person store).
var gzipFastPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// fastGzip are the media types compressed with gzipFastPool.
var fastGzip = map[string]bool{"application/json": true, "application/problem+json": true}

// compress gzips a compressible answer when the client accepts gzip. It decides on the answer's
// headers (type, length, status, an encoding already set), so a download of a PDF or an XLSX, a
// range (206) or a 304 passes untouched. Every answer carries Vary: Accept-Encoding. Errors are
// rendered inside it, so error pages are compressed as well.
func compress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		if !acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)) {
			return next(c)
		}
		w := &gzipWriter{ResponseWriter: res.Writer}
		res.Writer = w
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		w.finish()
		res.Writer = w.ResponseWriter
		return nil
	}
}

// acceptsGzip reports whether an Accept-Encoding value names gzip (or *) with a quality above 0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// gzipWriter holds back the status line until it knows whether the body is compressed: at the
// first gzipMinLength bytes, a flush, or the end of the answer.
type gzipWriter struct {
	http.ResponseWriter
	code     int
	decided  bool
	gz       *gzip.Writer
	pool     *sync.Pool // where gz came from
	buf      []byte
	eligible bool // the headers allow compression; the length is not yet known to be enough
}

func (w *gzipWriter) WriteHeader(code int) {
	if w.code == 0 && !w.decided {
		w.code = code
		if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
			w.decide(false) // no body to compress
		}
	}
}

func (w *gzipWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if !w.decided {
		h := w.Header()
		if h.Get(echo.HeaderContentType) == "" {
			h.Set(echo.HeaderContentType, http.DetectContentType(p))
		}
		if !w.eligible && !w.headersAllow() {
			w.decide(false)
			return w.ResponseWriter.Write(p)
		}
		w.eligible = true
		w.buf = append(w.buf, p...)
		if len(w.buf) < gzipMinLength {
			return len(p), nil
		}
		w.decide(true)
		if _, err := w.gz.Write(w.buf); err != nil {
			return 0, err
		}
		w.buf = nil
		return len(p), nil
	}
	if w.gz != nil {
		return w.gz.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// headersAllow reports whether the answer's headers let it be compressed.
func (w *gzipWriter) headersAllow() bool {
	h := w.Header()
	if w.code != http.StatusOK && w.code < 400 || h.Get(echo.HeaderContentEncoding) != "" || h.Get("Content-Range") != "" {
		return false
	}
	if n, err := strconv.Atoi(h.Get(echo.HeaderContentLength)); err == nil && n < gzipMinLength {
		return false
	}
	mt, _, _ := mime.ParseMediaType(h.Get(echo.HeaderContentType))
	return compressible[mt]
}

// decide sends the status line, compressed or not.
func (w *gzipWriter) decide(gz bool) {
	w.decided = true
	h := w.Header()
	if gz {
		h.Set(echo.HeaderContentEncoding, "gzip")
		h.Del(echo.HeaderContentLength)
		if et := h.Get("ETag"); strings.HasPrefix(et, `"`) {
			h.Set("ETag", "W/"+et) // the compressed bytes are another representation
		}
		w.pool = &gzipPool
		if mt, _, _ := mime.ParseMediaType(h.Get(echo.HeaderContentType)); fastGzip[mt] {
			w.pool = &gzipFastPool
		}
		w.gz = w.pool.Get().(*gzip.Writer)
		w.gz.Reset(w.ResponseWriter)
	}
	if w.code != 0 {
		w.ResponseWriter.WriteHeader(w.code)
	}
}

// finish ends the answer: a short body goes out as it is, a compressed one is closed.
func (w *gzipWriter) finish() {
	if !w.decided {
		w.decide(false)
		if len(w.buf) > 0 {
			_, _ = w.ResponseWriter.Write(w.buf)
		}
	}
	if w.gz != nil {
		_ = w.gz.Close()
		w.gz.Reset(nil)
		w.pool.Put(w.gz)
		w.gz = nil
	}
}

// Flush sends what is written so far (a streamed export): a body still held back is compressed
// when the headers allow it, since its length is not known.
func (w *gzipWriter) Flush() {
	if !w.decided {
		if w.code == 0 {
			w.code = http.StatusOK
		}
		gz := w.eligible || w.headersAllow()
		w.decide(gz)
		if len(w.buf) > 0 {
			if gz {
				_, _ = w.gz.Write(w.buf)
			} else {
				_, _ = w.ResponseWriter.Write(w.buf)
			}
			w.buf = nil
		}
	}
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *gzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
