package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// requestBody is the one way a handler reads the request body: the bytes
// as received, which the body limit bounded. Never c.Body(): Fiber's Body
// inflates gzip, deflate and br bodies (up to three layers) without any cap,
// so 641 bytes could become 256 MiB. refuseContentEncoding answers 415 to
// any encoded body before a route runs, so these bytes are the body.
// TestBodyIsReadOnlyThroughRequestBody keeps every other reader out.
// The slice is valid until the handler returns.
func requestBody(c *fiber.Ctx) []byte {
	return c.Request().Body()
}

// refuseContentEncoding is the global middleware that answers 415 to a
// request with any Content-Encoding but identity, on every route (multipart
// uploads too): the API takes bodies as sent, and a body limit on compressed
// bytes would bound nothing (docs/SECURITY.md, "Bodies and files").
func refuseContentEncoding(c *fiber.Ctx) error {
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderContentEncoding) {
		for enc := range strings.SplitSeq(string(v), ",") {
			if e := strings.TrimSpace(enc); e != "" && !strings.EqualFold(e, "identity") {
				return delphi.Errorf(delphi.EUNSUPPORTED, "compressed request bodies are not accepted (Content-Encoding %q); send the body unencoded", strings.TrimSpace(string(v)))
			}
		}
	}
	return c.Next()
}

// decodeJSON decodes the request body strictly into dst: JSON content type,
// no unknown fields, no trailing data, and no key that starts with "$" or
// contains "." anywhere in the document (operator injection never reaches
// the database). Type mismatches such as {"email":{"$gt":""}} name the field.
func decodeJSON(c *fiber.Ctx, dst any) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return delphi.Errorf(delphi.EBADREQUEST, "the body must be JSON (Content-Type: application/json)")
	}
	body := requestBody(c)
	if err := checkKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return delphi.Errorf(delphi.EBADREQUEST, "unexpected data after the JSON body")
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return delphi.FieldErrorf(delphi.EINVALID, te.Field, "%s must be a %s", te.Field, te.Type.String())
	case errors.As(err, &se):
		return delphi.Errorf(delphi.EBADREQUEST, "malformed JSON at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return delphi.FieldErrorf(delphi.EINVALID, f, "unknown field %q", f)
	case errors.Is(err, io.EOF):
		return delphi.Errorf(delphi.EBADREQUEST, "the body is empty")
	default:
		return delphi.Errorf(delphi.EBADREQUEST, "malformed JSON: %v", err)
	}
}

// checkKeys walks the JSON document and rejects keys that MongoDB would read
// as operators or paths.
func checkKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return jsonError(err)
	}
	return walkKeys(doc, "")
}

func walkKeys(v any, path string) error {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if strings.HasPrefix(k, "$") || strings.Contains(k, ".") {
				return delphi.FieldErrorf(delphi.EINVALID, p, "field names must not start with $ or contain a dot")
			}
			if err := walkKeys(child, p); err != nil {
				return err
			}
		}
	case []any:
		for i, child := range t {
			if err := walkKeys(child, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
