package dashboard

import "testing"

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"approvals?refresh=0": "approvals?refresh=0", "runs/a%2Fb": "runs/a%2Fb", "": "",
		"//evil.example": "", "https://evil.example/x": "", "/etc": "", `\\evil.example`: "", "javascript:alert(1)": "",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPayloadCut(t *testing.T) {
	t.Parallel()
	d := &dashboard{cfg: withDefaults(Config{MaxPayloadBytes: 16})}
	if p := d.payload([]byte(`{"a":1}`)); p.Cut || p.Text != "{\n  \"a\": 1\n}" {
		t.Errorf("small payload: %+v", p)
	}
	if p := d.payload([]byte(`"ééééééééé"`)); !p.Cut || len(p.Text) > 16 || p.Size != 20 || p.Text != `"ééééééé` {
		t.Errorf("cut payload: %+v", p)
	}
	if p := d.payload(nil); p.Size != 0 {
		t.Errorf("no payload: %+v", p)
	}
}
