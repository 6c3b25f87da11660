package imports_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"testing"
	"time"

	"homeward/internal/apptest"
)

// uploadRefused posts an XLSX file to the import API as a dry run and checks that it is refused:
// 413 for a file over imports.MaxFileBytes (the million rows of data are 13 MB zipped), else a
// report of one file-level problem and no row read. It returns the time to the answer.
func uploadRefused(tb testing.TB, url, token string, body []byte, contentType string) time.Duration {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Error(err)
		return 0
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Error(err)
		return 0
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	took := time.Since(start)
	var out struct {
		Rows   int `json:"rows"`
		Errors []struct {
			Row int `json:"row"`
		} `json:"errors"`
	}
	if res.StatusCode == http.StatusRequestEntityTooLarge {
		return took
	}
	if err := json.Unmarshal(raw, &out); err != nil || res.StatusCode != http.StatusOK || out.Rows != 0 || len(out.Errors) != 1 {
		tb.Errorf("upload: status %d, %s", res.StatusCode, raw)
	}
	return took
}

// BenchmarkXLSXMillionRowsUpload sends workbooks of a header and 1,000,000 rows (blank, or with
// data) to the server's upload path (POST /api/v1/operations/{id}/imports, a dry run, as the
// import page does first): the multipart body read, the file checked, the refusal answered. Also
// three at once. Reported: the slowest answer (max-ms; target under 1 s) and the growth of the
// process's peak resident set over the resident set before the uploads (growth-MB; target under
// 50 MB), the server and the test client being one process.
func BenchmarkXLSXMillionRowsUpload(b *testing.B) {
	env := apptest.New(b)
	token := env.Token(b, thWorker)
	url := env.URL() + "/api/v1/operations/" + operationID(b, env, "TH") + "/imports"
	for _, c := range []struct {
		name     string
		data     bool
		parallel int
	}{{"blank", false, 1}, {"data", true, 1}, {"blank-x3", false, 3}, {"data-x3", true, 3}} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			_ = w.WriteField("dry_run", "true")
			fw, err := w.CreateFormFile("file", "persons.xlsx")
			if err != nil {
				b.Fatal(err)
			}
			fw.Write(rawWorkbook(b, 1_000_000, c.data))
			w.Close()
			body, ct := buf.Bytes(), w.FormDataContentType()
			var worst time.Duration
			var growth float64
			for b.Loop() {
				b.StopTimer()
				base := resetPeak(b)
				b.StartTimer()
				var wg sync.WaitGroup
				var mu sync.Mutex
				for range c.parallel {
					wg.Add(1)
					go func() {
						defer wg.Done()
						d := uploadRefused(b, url, token, body, ct)
						mu.Lock()
						worst = max(worst, d)
						mu.Unlock()
					}()
				}
				wg.Wait()
				b.StopTimer()
				_, peak := memMB(b)
				growth = max(growth, peak-base)
				b.StartTimer()
			}
			b.ReportMetric(float64(len(body))/(1<<20), "file-MB")
			b.ReportMetric(worst.Seconds()*1000, "max-ms")
			b.ReportMetric(growth, "growth-MB")
		})
	}
}
