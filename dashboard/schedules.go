package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wfgo/wf/store"
)

// recentBuckets is how many past fire times the schedules page lists.
const recentBuckets = 5

type scheduleRow struct {
	Schedule store.Schedule
	// Next is the next fire time after now, in the spec's zone; zero when
	// the spec cannot be read.
	Next   time.Time
	Recent []store.Bucket
}

func (d *dashboard) schedulesPage(w http.ResponseWriter, r *http.Request) {
	st := d.cfg.Runtime.Store()
	list, err := st.ListSchedules(r.Context())
	if err != nil {
		d.internal(w, r, err)
		return
	}
	now := d.cfg.Clock()
	rows := make([]scheduleRow, len(list))
	for i, s := range list {
		rows[i] = scheduleRow{Schedule: s, Next: nextFire(s.Spec, now)}
		if rows[i].Recent, err = st.ListBuckets(r.Context(), s.ID, recentBuckets); err != nil {
			d.internal(w, r, err)
			return
		}
	}
	d.render(w, r, http.StatusOK, "schedules", page{Title: "Schedules", Nav: "schedules", Refresh: d.refresh(r), Data: rows})
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// nextFire reads a stored spec ("@every 15m", "CRON_TZ=Zone expr", as
// runtime.Spec.String writes them) and returns its first fire time after
// now, in the spec's zone. Around a daylight-saving change it follows
// robfig/cron, which may differ from the runtime's wall-clock rule by the
// change (a skipped wall time is skipped here, fired at the gap's end by
// the runtime).
func nextFire(spec string, now time.Time) time.Time {
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		every, err := time.ParseDuration(d)
		if err != nil || every <= 0 {
			return time.Time{}
		}
		return now.UTC().Truncate(every).Add(every)
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return time.Time{}
	}
	return sched.Next(now)
}
