package delphi

import (
	"errors"
	"testing"
)

// TestForItem: an error about an answer names the item beside the field,
// keeping code, field, message and cause; the original is not changed.
func TestForItem(t *testing.T) {
	cause := errors.New("disk")
	orig := &Error{Code: EINVALID, Field: "value", Message: "7 is not a point of the scale", Err: cause}
	got := AsError(ForItem(orig, "T03"))
	if got.Code != EINVALID || got.Field != "value" || got.Item != "T03" || got.Message != orig.Message || !errors.Is(got, cause) {
		t.Errorf("ForItem = %+v", got)
	}
	if orig.Item != "" {
		t.Errorf("the original changed: %+v", orig)
	}
	if got.Error() != "invalid: 7 is not a point of the scale (field value) (item T03): disk" {
		t.Errorf("Error() = %q", got.Error())
	}
	if ForItem(nil, "T03") != nil {
		t.Error("ForItem(nil) is not nil")
	}
}
