package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// headAsGet answers HEAD with the GET route of the same path: the same middleware, access rule
// and headers, without the body. It runs before routing (echo.Pre), so no route is registered for
// HEAD and the access rules (AccessRules, the route walk) stay those of GET. The status line is
// held back to the end, so Content-Length is the length GET would send (compressed if it would
// be), unless the handler set one.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodHead {
			return next(c)
		}
		req.Method = http.MethodGet
		res := c.Response()
		w := &headWriter{ResponseWriter: res.Writer}
		res.Writer = w
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req.Method = http.MethodHead // the HTTP server then sends no body either
		res.Writer = w.ResponseWriter
		h := w.Header()
		if h.Get(echo.HeaderContentLength) == "" && w.n > 0 {
			h.Set(echo.HeaderContentLength, strconv.FormatInt(w.n, 10))
		}
		if w.code == 0 {
			w.code = http.StatusOK
		}
		w.ResponseWriter.WriteHeader(w.code)
		return nil
	}
}

// headWriter counts the body instead of sending it.
type headWriter struct {
	http.ResponseWriter
	code int
	n    int64
}

func (w *headWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *headWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += int64(len(p))
	return len(p), nil
}

func (w *headWriter) Flush() {}

func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
