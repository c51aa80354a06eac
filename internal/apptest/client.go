package apptest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// Client is a browser without JavaScript: an HTTP client with cookies that
// does not follow redirects and sends forms as a same-origin page does.
type Client struct {
	// HTTP sends the requests; its Jar holds the session cookie.
	HTTP *http.Client
	// IP, if set, is sent as X-Forwarded-For: the test server trusts
	// loopback as its proxy, so the requests come from IP.
	IP string

	s *Server
}

// Client is a new client of the server, signed in as nobody.
func (s *Server) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{s: s, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Get fetches a page.
func (c *Client) Get(path string) Response {
	c.s.t.Helper()
	req, _ := http.NewRequest("GET", c.s.URL+path, nil)
	c.From(req)
	return c.s.Do(c.HTTP, req)
}

// Post submits a form as a same-origin browser would.
func (c *Client) Post(path string, form url.Values) Response {
	c.s.t.Helper()
	req, _ := http.NewRequest("POST", c.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c.From(req)
	return c.s.Do(c.HTTP, req)
}

// Upload submits a multipart form — fields as name/value pairs, in order,
// and one file — as a same-origin browser would.
func (c *Client) Upload(path string, fields [][2]string, fileField, fileName, content string) Response {
	c.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile(fileField, fileName)
	_, _ = io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.s.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c.From(req)
	return c.s.Do(c.HTTP, req)
}

// From sends req from the client's address (IP), if it has one: for a
// request a test builds itself.
func (c *Client) From(req *http.Request) {
	if c.IP != "" {
		req.Header.Set("X-Forwarded-For", c.IP)
	}
}

// Login signs in with a password; anything but the way to the console
// fails the test.
func (c *Client) Login(email, password string) {
	c.s.t.Helper()
	r := c.Post("/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console" {
		c.s.t.Fatalf("login as %s: %d %s\n%s", email, r.Status, r.Header.Get("Location"), r.Body)
	}
}
