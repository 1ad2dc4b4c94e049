package dashboard

import (
	"testing"
	"time"
)

func TestNextFire(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 28, 9, 7, 0, 0, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		spec string
		want time.Time
	}{
		{"@every 15m0s", time.Date(2026, 3, 28, 9, 15, 0, 0, time.UTC)},
		{"@every 24h0m0s", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 9 * * *", time.Date(2026, 3, 29, 9, 0, 0, 0, time.UTC)},
		// Paris is UTC+1 on the 28th and UTC+2 from the 29th, 02:00.
		{"CRON_TZ=Europe/Paris 30 8 * * *", time.Date(2026, 3, 29, 8, 30, 0, 0, paris)},
		{"CRON_TZ=Nowhere/City 0 9 * * *", time.Time{}},
		{"@every soon", time.Time{}},
		{"@every -1m", time.Time{}},
	} {
		got := nextFire(c.spec, now)
		if !got.Equal(c.want) {
			t.Errorf("nextFire(%q) = %v, want %v", c.spec, got, c.want)
		}
	}
}

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
