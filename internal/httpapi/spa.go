package httpapi

import (
	"io/fs"
	"mime"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// spa serves the embedded frontend. Existing files are served as they are;
// a missing file under /assets/ or with an extension is a 404; any other GET
// path gets index.html so that client-side routes work on reload. Paths
// below /api/v1 never reach this handler (the API group ends in a JSON 404);
// /api itself and other paths below /api answer 404 here.
func (s *Server) spa(ui fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return fiber.ErrNotFound
		}
		if strings.Contains(c.Path(), "..") || suspiciousPath(string(c.Request().URI().PathOriginal())) {
			return fiber.ErrNotFound
		}
		p := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
		if isAPIPath(p) {
			return fiber.ErrNotFound
		}
		if p == "" {
			p = "index.html"
		}
		if data, err := fs.ReadFile(ui, p); err == nil {
			if strings.HasPrefix(p, "assets/") {
				c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			} else {
				c.Set(fiber.HeaderCacheControl, "no-cache")
			}
			if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
				c.Set(fiber.HeaderContentType, ct)
			}
			return c.Send(data)
		}
		if strings.HasPrefix(p, "assets/") || path.Ext(p) != "" {
			return fiber.ErrNotFound
		}
		data, err := fs.ReadFile(ui, "index.html")
		if err != nil {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(data)
	}
}

// isAPIPath reports whether p (cleaned, without the leading slash) is /api
// or below it, in any case as the router matches it: those are JSON 404s,
// never the app page.
func isAPIPath(p string) bool {
	p = strings.ToLower(p)
	return p == "api" || strings.HasPrefix(p, "api/")
}

// suspiciousPath reports a raw request path that tries to leave the UI's
// files or reach hidden ones, as sent and after up to three rounds of
// percent-decoding (double encoding): a "." or ".." segment, an empty
// segment ("//"), a backslash, a NUL, invalid UTF-8 (overlong dots), or a
// segment starting with ".". The router normalises such paths before the
// handler sees them, so without this "/%2e%2e/etc/passwd" would quietly
// become "/etc/passwd" and get index.html; a plain 404 is clearer.
func suspiciousPath(raw string) bool {
	for range 4 {
		if strings.ContainsAny(raw, "\\\x00") || !utf8.ValidString(raw) {
			return true
		}
		segs := strings.Split(raw, "/")
		for i, seg := range segs[1:] { // segs[0] is before the leading slash
			if seg == "" && i < len(segs)-2 || strings.HasPrefix(seg, ".") {
				return true
			}
		}
		dec, err := url.PathUnescape(raw)
		if err != nil {
			return true
		}
		if dec == raw {
			return false
		}
		raw = dec
	}
	return true
}
