package httpapi

import (
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// spa serves the embedded frontend. Existing files are served as they are;
// a missing file under /assets/ or with an extension is a 404; any other GET
// path gets index.html so that client-side routes work on reload. /api paths
// never reach this handler (the API group ends in a JSON 404).
func (s *Server) spa(ui fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return fiber.ErrNotFound
		}
		if strings.Contains(c.Path(), "..") {
			return fiber.ErrNotFound
		}
		p := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
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
		if strings.HasPrefix(p, "assets/") || strings.HasPrefix(p, "api/") || path.Ext(p) != "" {
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
